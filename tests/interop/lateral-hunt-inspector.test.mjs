// The official MCP Inspector's CLI mode (pinned in tests/node) against lateral-hunt itself, over stdio
// and over Streamable HTTP: tools/list, then lateral_movement_hunt on the bundled demo data (secops-local
// as the upstream), asserting on the report it returns; both transports must find the same movement.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { buildDir, nodeBinary, runToCompletion, startHttpServer } from './harness.mjs';
import { nodeToolsDir } from './sdk.mjs';

const lateralHunt = path.join(buildDir, 'skill', 'cli', 'lateral-hunt');
const secopsLocal = path.join(buildDir, 'siem', 'secops-local');
const inspector = path.join(nodeToolsDir, 'node_modules', '.bin', 'inspector');
const env = { ...process.env, PATH: `${path.dirname(nodeBinary)}:${process.env.PATH}` };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-inspector-hunt-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const huntArgs = ['--tool-arg', 'time_frame_hours=72', 'hunt_hypothesis=Inspector hunt on the demo data'];
const findingsSeen = {};

async function inspect(target, args) {
  const run = await runToCompletion(nodeBinary, [inspector, '--cli', ...target, ...args], 120000, { env });
  const output = `${run.stdout.slice(0, 4000)}\n--- stderr ---\n${run.stderr.split('\n').slice(-20).join('\n')}`;
  assert.equal(run.timedOut, false, `the Inspector did not finish within 120 s:\n${output}`);
  assert.equal(run.code, 0, `the Inspector exited with ${run.code ?? run.signal}:\n${output}`);
  try {
    return JSON.parse(run.stdout);
  } catch {
    assert.fail(`the Inspector printed no JSON:\n${output}`);
  }
}

function findingKeys(report) {
  const end = (endpoint) => endpoint?.host ?? endpoint?.ip ?? '';
  return report.findings.map((f) => `${f.technique_id}|${end(f.source)}|${end(f.target)}|${f.account ?? ''}`).sort();
}

async function checkTarget(name, target) {
  const listing = await inspect(target, ['--method', 'tools/list']);
  assert.deepEqual(listing.tools.map((tool) => tool.name).sort(), [
    'build_hunt_queries', 'correlate_smb', 'document_hunt', 'enrich_entities', 'find_related_cases',
    'lateral_movement_hunt', 'research_techniques']);

  const result = await inspect(target, ['--method', 'tools/call', '--tool-name', 'lateral_movement_hunt', ...huntArgs]);
  assert.notEqual(result.isError, true, JSON.stringify(result.content).slice(0, 2000));
  const report = result.structuredContent;
  assert.equal(report.status, 'complete');
  assert.ok(report.findings.length > 0, 'the demo data holds lateral movement');
  assert.ok(report.negative_results.length > 0, 'negative results are listed');
  const hosts = report.paths.map((p) => p.hosts.join(' -> '));
  assert.ok(hosts.some((chain) => chain.startsWith('WKS-017 -> FILESRV01')), `paths: ${hosts.join('; ')}`);
  const link = result.content.find((block) => block.type === 'resource_link' && block.mimeType === 'application/json');
  assert.equal(link?.uri, `hunt://reports/${report.hunt_id}`);
  findingsSeen[name] = findingKeys(report);
}

describe('MCP Inspector CLI -> lateral-hunt on the demo data', { timeout: 600000 }, () => {
  test('lateral-hunt was built', () => {
    assert.ok(fs.existsSync(lateralHunt), `${lateralHunt} is missing (build the lateral-hunt target)`);
    assert.ok(fs.existsSync(secopsLocal), `${secopsLocal} is missing (build the secops-local target)`);
  });

  test('over stdio', async () => {
    await checkTarget('stdio', ['-e', `LH_SECOPS_LOCAL=${secopsLocal}`, '-e', `LH_REPORTS_DB=${path.join(work, 'stdio.db')}`,
      lateralHunt, 'serve', '--admin-hosts', 'ADMIN-JUMP01,DEPLOY01']);
  });

  test('over streamable HTTP', async () => {
    const { child, url } = await startHttpServer(lateralHunt, ['serve', '--http', '127.0.0.1:0', '--secops-local', secopsLocal,
      '--reports', path.join(work, 'http.db'), '--admin-hosts', 'ADMIN-JUMP01,DEPLOY01']);
    try {
      await checkTarget('http', [url]);
    } finally {
      await child.stop();
    }
  });

  test('stdio and HTTP found the same movement', () => {
    assert.ok(findingsSeen.stdio && findingsSeen.http, 'both transports ran the hunt');
    assert.deepEqual(findingsSeen.http, findingsSeen.stdio);
  });
});
