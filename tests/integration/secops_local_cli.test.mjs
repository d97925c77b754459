// secops-local as a program: command-line errors that name what was wrong, the tool list as the TypeScript
// SDK client sees it (the SDK checks structuredContent against each outputSchema), and Streamable HTTP mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { sdk } from '../interop/sdk.mjs';

const { Client } = sdk('client/index.js');
const { StdioClientTransport } = sdk('client/stdio.js');
const { StreamableHTTPClientTransport } = sdk('client/streamableHttp.js');

const program = process.env.LH_SECOPS_LOCAL;
const datasetsDir = process.env.LH_OTRF_DATASETS ?? path.resolve('../shared/datasets/otrf');
const zips = fs.existsSync(datasetsDir)
  ? fs.readdirSync(datasetsDir).filter((f) => f.endsWith('.zip')).sort().map((f) => path.join(datasetsDir, f))
  : [];
const skip = !program ? 'LH_SECOPS_LOCAL is not set (run scripts/integration.sh BUILD_DIR)'
  : zips.length === 0 ? `SKIPPED: OTRF datasets not found at ${datasetsDir}` : false;
const oneZip = () => zips.find((z) => z.includes('psexec')) ?? zips[0];

const expectedTools = [
  'change_case_priority', 'create_reference_list', 'get_case_full_details', 'get_domain_report', 'get_file_report',
  'get_ioc_matches', 'get_ip_address_report', 'get_reference_list', 'get_security_alerts', 'get_threat_intel',
  'list_cases', 'lookup_entity', 'post_case_comment', 'search_entity', 'search_security_events', 'search_udm',
];
// Listed only when an IoC feed is loaded (--iocs).
const intelTools = ['get_domain_report', 'get_file_report', 'get_ip_address_report'];

describe('secops-local command line', { skip, timeout: 120000 }, () => {
  test('a missing --data path is named, with exit code 2 and nothing on stdout', () => {
    const run = spawnSync(program, ['--data', oneZip(), '/no/such/logs.json'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /--data: \/no\/such\/logs\.json: no such file or directory/);
  });

  test('a bad --now, --http and --iocs are refused with the value named', () => {
    const now = spawnSync(program, ['--data', oneZip(), '--now', 'yesterday'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(now.status, 2);
    assert.match(now.stderr, /--now: "yesterday" is not an RFC 3339 time/);
    const http = spawnSync(program, ['--data', oneZip(), '--http', 'localhost'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(http.status, 2);
    assert.match(http.stderr, /--http: "localhost" is not HOST:PORT/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-cli-'));
    const feed = path.join(dir, 'iocs.csv');
    fs.writeFileSync(feed, 'type,value,source\nIP,10.0.0.1,a\nIP,"unterminated\n');
    const iocs = spawnSync(program, ['--data', oneZip(), '--iocs', feed], { encoding: 'utf8', timeout: 30000 });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(iocs.status, 2);
    assert.match(iocs.stderr, /iocs\.csv:3: unterminated quote/);
  });
});

describe('secops-local through the TypeScript SDK client', { skip, timeout: 120000 }, () => {
  let client;
  let workDir;

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-cli-'));
    const feed = path.join(workDir, 'iocs.json');
    fs.writeFileSync(feed, JSON.stringify([{ type: 'FILE_NAME', value: 'PSEXESVC.exe', source: 'test-feed' }]));
    client = new Client({ name: 'lh-integration', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: program,
      args: ['--data', oneZip(), '--iocs', feed, '--cases', path.join(workDir, 'cases.db')],
      stderr: 'pipe',
    }));
  });

  after(async () => {
    await client?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('tools/list has the upstream tool names with titles and annotations', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), expectedTools);
    for (const tool of tools) {
      assert.ok(tool.title, `${tool.name} has a title`);
      assert.equal(tool.annotations.openWorldHint, false);
    }
  });

  test('dict tools pass the SDK\'s outputSchema check; text tools answer with text', async () => {
    await client.listTools();  // the SDK validates structuredContent against the listed outputSchema
    const search = await client.callTool({ name: 'search_udm', arguments: { query: 'target.application = "PSEXESVC"', hours_back: 48 } });
    assert.ok(search.structuredContent.total_events >= 1);
    const cases = await client.callTool({ name: 'list_cases', arguments: {} });
    assert.deepEqual(cases.structuredContent, { cases: [] });
    const iocs = await client.callTool({ name: 'get_ioc_matches', arguments: { hours_back: 48 } });
    assert.match(iocs.content[0].text, /^Found 1 IoC matches:\n\nIoC 1:\nType: FILE_NAME\nValue: PSEXESVC.exe\nSources: test-feed\n/);
    const entity = await client.callTool({ name: 'lookup_entity', arguments: { entity_value: 'PSEXESVC', hours_back: 48 } });
    assert.match(entity.content[0].text, /^(Entity Summary for PSEXESVC:|No information found for entity: PSEXESVC)/);
    const intel = await client.callTool({ name: 'get_threat_intel', arguments: { query: 'T1569.002' } });
    assert.match(intel.content[0].text, /https:\/\/attack\.mitre\.org\/techniques\/T1569\/002\//);
  });
});

describe('secops-local over Streamable HTTP', { skip, timeout: 120000 }, () => {
  let child;
  let client;

  before(async () => {
    child = spawn(program, ['--data', oneZip(), '--http', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${stderr}`)), 30000);
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
    });
    client = new Client({ name: 'lh-integration-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  });

  after(async () => {
    await client?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('search_udm and the error payload convention over HTTP', async () => {
    const { tools } = await client.listTools();
    // This server runs without --iocs.
    assert.deepEqual(tools.map((t) => t.name).sort(), expectedTools.filter((name) => !intelTools.includes(name)));
    const ok = await client.callTool({ name: 'search_udm', arguments: { query: 'metadata.product_event_type = "7045"', hours_back: 48 } });
    assert.ok(ok.structuredContent.events.length >= 1);
    const bad = await client.callTool({ name: 'search_udm', arguments: { query: 'metadata.event_type IN ("A")' } });
    assert.equal(bad.isError ?? false, false);
    assert.match(bad.structuredContent.error, /col \d+/);
  });
});
