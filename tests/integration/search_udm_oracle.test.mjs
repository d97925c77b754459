// The proof: hunt-style UDM queries sent to secops-local's search_udm by the official TypeScript
// SDK client over stdio return exactly the events that an independent evaluation finds, in the same order.
//
// The independent side does not use our query engine: `secops-local --export-udm` writes every normalised
// event (Chronicle's result JSON, camelCase) one per line, and each query below carries a hand-written
// JavaScript predicate over that JSON with UDM search semantics spelled out here (repeated fields match if
// any value matches, a missing field compares as "" / 0, `nocase` folds ASCII letters, regexes are
// substring matches). The expected order is newest first; events with equal timestamps come in reverse
// export order (the store's stable order: time, source, line).
//
// Run by scripts/integration.sh (LH_SECOPS_LOCAL, LH_OTRF_DATASETS); skips when the datasets are absent.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { sdk } from '../interop/sdk.mjs';

const { Client } = sdk('client/index.js');
const { StdioClientTransport } = sdk('client/stdio.js');

const program = process.env.LH_SECOPS_LOCAL;
const datasetsDir = process.env.LH_OTRF_DATASETS ?? path.resolve('../shared/datasets/otrf');
const zips = fs.existsSync(datasetsDir)
  ? fs.readdirSync(datasetsDir).filter((f) => f.endsWith('.zip')).sort().map((f) => path.join(datasetsDir, f))
  : [];
const skip = !program ? 'LH_SECOPS_LOCAL is not set (run scripts/integration.sh BUILD_DIR)'
  : zips.length === 0 ? `SKIPPED: OTRF datasets not found at ${datasetsDir}` : false;

// ---------------------------------------------------------------- the independent evaluation

// Values at a camelCase path; arrays (repeated fields) are flattened.
function values(udm, dotted) {
  let current = [udm];
  for (const segment of dotted.split('.')) {
    const next = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      const member = value[segment];
      if (member === undefined || member === null) continue;
      if (Array.isArray(member)) next.push(...member);
      else next.push(member);
    }
    current = next;
  }
  return current;
}
// A missing field compares as its default value.
function withDefault(list, fallback) {
  return list.length > 0 ? list : [fallback];
}
const str = (udm, p) => withDefault(values(udm, p).map(String), '');
const int = (udm, p) => withDefault(values(udm, p).map(Number), 0);
const label = (udm, noun, key) =>
  withDefault(values(udm, `${noun}.labels`).filter((l) => l.key === key).map((l) => l.value), '');
const extra = (udm, key) => {
  const v = udm.additional?.fields?.[key];
  return withDefault(v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)], '');
};
const foldAscii = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const eq = (list, want) => list.some((v) => v === want);
const eqNocase = (list, want) => list.some((v) => foldAscii(v) === foldAscii(want));
const re = (list, pattern, flags = '') => {
  const r = new RegExp(pattern, flags);
  return list.some((v) => r.test(v));
};
const reNocase = (list, pattern) => re(list, pattern, 'i');
const type = (u) => u.metadata.eventType;
const pet = (u) => u.metadata.productEventType ?? '';

function timestampMicros(text) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  assert.ok(m, `unexpected eventTimestamp ${text}`);
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(fraction);
}

// Reference lists created through create_reference_list before the queries run (the oracle reads the
// same entries from here).
const referenceLists = {
  lh_hunt_hosts: { syntax: 'STRING', entries: ['workstation5.theshire.local', 'mordordc.theshire.local'] },
  lh_shells: { syntax: 'REGEX', entries: ['\\\\(cmd|powershell|pwsh)\\.exe$', '// comment lines are ignored'] },
  lh_lab_net: { syntax: 'CIDR', entries: ['172.18.39.0/24'] },
  lh_lateral_ports: { syntax: 'STRING', entries: ['445', '135', '5985'] },
};
const inList = (list, name) => list.some((v) => referenceLists[name].entries.includes(v));
const inListNocase = (list, name) =>
  list.some((v) => referenceLists[name].entries.some((e) => foldAscii(e) === foldAscii(v)));
const inRegexList = (list, name, flags = '') =>
  referenceLists[name].entries.filter((e) => !e.startsWith('//')).some((e) => re(list, e, flags));
function inCidr(list, cidr) {
  const [base, bits] = cidr.split('/');
  const toInt = (ip) => ip.split('.').reduce((a, o) => (a << 8n) + BigInt(o), 0n);
  const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - Number(bits))) - 1n);
  return list.some((v) => /^\d+\.\d+\.\d+\.\d+$/.test(v) && (toInt(v) & mask) === (toInt(base) & mask));
}

// ---------------------------------------------------------------- the hunt queries

const hunts = [
  {
    name: 'PsExec-style service installs (7045/4697)',
    query: 'metadata.event_type = "SERVICE_CREATION" AND (metadata.product_event_type = "7045" OR metadata.product_event_type = "4697")',
    match: (u) => type(u) === 'SERVICE_CREATION' && (pet(u) === '7045' || pet(u) === '4697'),
  },
  {
    name: 'PSEXESVC service by name, either event',
    query: 'target.application = "PSEXESVC" AND metadata.event_type = "SERVICE_CREATION"',
    match: (u) => eq(str(u, 'target.application'), 'PSEXESVC') && type(u) === 'SERVICE_CREATION',
  },
  {
    name: 'service image paths with %COMSPEC% or encoded PowerShell',
    query: 'metadata.event_type = "SERVICE_CREATION" AND target.process.command_line = /%COMSPEC%|-enc|powershell/ nocase',
    match: (u) => type(u) === 'SERVICE_CREATION' && reNocase(str(u, 'target.process.commandLine'), '%COMSPEC%|-enc|powershell'),
  },
  {
    name: 'children of services.exe',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND principal.process.file.full_path = /\\\\services\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'principal.process.file.fullPath'), '\\\\services\\.exe$'),
  },
  {
    name: 'services.exe spawning shells',
    query: 'metadata.event_type = "PROCESS_LAUNCH" principal.process.file.full_path = /\\\\services\\.exe$/ nocase ' +
      'target.process.file.full_path = /\\\\(cmd|powershell|pwsh)\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'principal.process.file.fullPath'), '\\\\services\\.exe$') &&
      reNocase(str(u, 'target.process.file.fullPath'), '\\\\(cmd|powershell|pwsh)\\.exe$'),
  },
  {
    name: 'children of WmiPrvSE',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND principal.process.file.full_path = /\\\\wmiprvse\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'principal.process.file.fullPath'), '\\\\wmiprvse\\.exe$'),
  },
  {
    name: 'children of WmiPrvSE outside the SYSTEM/NETWORK SERVICE logons (labels)',
    query: 'principal.process.file.full_path = /wmiprvse/ nocase AND metadata.event_type = "PROCESS_LAUNCH" AND ' +
      'NOT principal.labels["LogonId"] = "0x3e7" AND NOT principal.labels["LogonId"] = "0x3e4"',
    match: (u) => reNocase(str(u, 'principal.process.file.fullPath'), 'wmiprvse') && type(u) === 'PROCESS_LAUNCH' &&
      !eq(label(u, 'principal', 'LogonId'), '0x3e7') && !eq(label(u, 'principal', 'LogonId'), '0x3e4'),
  },
  {
    name: 'children of wsmprovhost (WinRM / PowerShell remoting)',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND principal.process.file.full_path = /\\\\(wsmprovhost|winrshost)\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'principal.process.file.fullPath'), '\\\\(wsmprovhost|winrshost)\\.exe$'),
    allowEmpty: true,  // the recordings log the PowerShell inside wsmprovhost, not child processes
  },
  {
    name: 'wsmprovhost started by DcomLaunch (WinRM session host)',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND target.process.file.full_path = /\\\\wsmprovhost\\.exe$/ nocase AND ' +
      'principal.process.file.full_path = /\\\\svchost\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'target.process.file.fullPath'), '\\\\wsmprovhost\\.exe$') &&
      reNocase(str(u, 'principal.process.file.fullPath'), '\\\\svchost\\.exe$'),
  },
  {
    name: 'wsmprovhost itself, by its -Embedding command line',
    query: 'target.process.command_line = /wsmprovhost\\.exe.*-Embedding/ nocase',
    match: (u) => reNocase(str(u, 'target.process.commandLine'), 'wsmprovhost\\.exe.*-Embedding'),
  },
  {
    name: '4624 network logons (type 3) with a source IpAddress',
    query: 'metadata.product_event_type = "4624" AND extensions.auth.mechanism = "NETWORK" AND principal.ip = /./',
    match: (u) => pet(u) === '4624' && eq(values(u, 'extensions.auth.mechanism'), 'NETWORK') && re(str(u, 'principal.ip'), '.'),
  },
  {
    name: '4624 from one source address (repeated ip field, src.ip too)',
    query: 'metadata.event_type = "USER_LOGIN" AND (principal.ip = "172.18.39.5" OR src.ip = "172.18.39.5")',
    match: (u) => type(u) === 'USER_LOGIN' && (eq(str(u, 'principal.ip'), '172.18.39.5') || eq(str(u, 'src.ip'), '172.18.39.5')),
  },
  {
    name: '4624 TargetLogonId labels present',
    query: 'metadata.product_event_type = "4624" AND target.labels["TargetLogonId"] = /^0x[0-9a-f]+$/',
    match: (u) => pet(u) === '4624' && re(label(u, 'target', 'TargetLogonId'), '^0x[0-9a-f]+$'),
  },
  {
    name: '5145 svcctl / atsvc / PSEXESVC pipe access',
    query: 'metadata.product_event_type = "5145" AND target.file.full_path = /^(svcctl|atsvc|PSEXESVC.*)$/ nocase',
    match: (u) => pet(u) === '5145' && reNocase(str(u, 'target.file.fullPath'), '^(svcctl|atsvc|PSEXESVC.*)$'),
  },
  {
    name: '5145/5140 admin share access (C$, ADMIN$, IPC$)',
    query: '(metadata.product_event_type = "5145" OR metadata.product_event_type = "5140") AND target.resource.name = /\\\\(ADMIN|C|IPC)\\$$/ nocase',
    match: (u) => (pet(u) === '5145' || pet(u) === '5140') && reNocase(str(u, 'target.resource.name'), '\\\\(ADMIN|C|IPC)\\$$'),
  },
  {
    name: 'executables written over an admin share (T1570)',
    query: 'metadata.product_event_type = "5145" AND target.resource.name = "\\\\\\\\*\\\\C$" AND target.file.full_path = /\\.exe$/ nocase',
    match: (u) => pet(u) === '5145' && eq(str(u, 'target.resource.name'), '\\\\*\\C$') && reNocase(str(u, 'target.file.fullPath'), '\\.exe$'),
  },
  {
    name: 'Sysmon 3 inbound on 445/135/5985 (additional.fields Initiated)',
    query: 'metadata.product_event_type = "3" AND additional.fields["Initiated"] = "false" AND ' +
      '(target.port = 445 OR target.port = 135 OR target.port = 5985)',
    match: (u) => pet(u) === '3' && eq(extra(u, 'Initiated'), 'false') &&
      (eq(int(u, 'target.port'), 445) || eq(int(u, 'target.port'), 135) || eq(int(u, 'target.port'), 5985)),
  },
  {
    name: 'inbound network connections by direction enum, high ports',
    query: 'metadata.event_type = "NETWORK_CONNECTION" AND network.direction = "INBOUND" AND target.port >= 49152',
    match: (u) => type(u) === 'NETWORK_CONNECTION' && eq(values(u, 'network.direction'), 'INBOUND') && int(u, 'target.port').some((p) => p >= 49152),
  },
  {
    name: 'Sysmon 17/18 PsExec and RemCom pipes',
    query: '(metadata.product_event_type = "17" OR metadata.product_event_type = "18") AND target.resource.name = /psexesvc|remcom|-stdin|-stdout|-stderr/ nocase',
    match: (u) => (pet(u) === '17' || pet(u) === '18') && reNocase(str(u, 'target.resource.name'), 'psexesvc|remcom|-stdin|-stdout|-stderr'),
  },
  {
    name: 'scheduled tasks created, deleted or run by schtasks',
    query: 'metadata.event_type = "SCHEDULED_TASK_CREATION" OR metadata.event_type = "SCHEDULED_TASK_DELETION" OR ' +
      'target.process.command_line = /schtasks.*\\/create/ nocase',
    match: (u) => type(u) === 'SCHEDULED_TASK_CREATION' || type(u) === 'SCHEDULED_TASK_DELETION' ||
      reNocase(str(u, 'target.process.commandLine'), 'schtasks.*\\/create'),
  },
  {
    name: 'encoded PowerShell anywhere in a command line (regex nocase)',
    query: 'target.process.command_line = /powershell.*\\s-(e|enc|encodedcommand)\\s/ nocase',
    match: (u) => reNocase(str(u, 'target.process.commandLine'), 'powershell.*\\s-(e|enc|encodedcommand)\\s'),
  },
  {
    name: 'process launches not by SYSTEM-like accounts (NOT over an OR group)',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND NOT (principal.user.userid = /SYSTEM$/ nocase OR ' +
      'principal.user.userid = /(LOCAL|NETWORK) SERVICE$/ nocase)',
    match: (u) => type(u) === 'PROCESS_LAUNCH' &&
      !(reNocase(str(u, 'principal.user.userid'), 'SYSTEM$') || reNocase(str(u, 'principal.user.userid'), '(LOCAL|NETWORK) SERVICE$')),
  },
  {
    name: 'discovery commands run remotely (whoami, net user/group)',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND (target.process.file.full_path = /\\\\whoami\\.exe$/ nocase OR ' +
      'target.process.command_line = /net1?(\\.exe)?"?\\s+(user|group|localgroup)/ nocase)',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && (reNocase(str(u, 'target.process.file.fullPath'), '\\\\whoami\\.exe$') ||
      reNocase(str(u, 'target.process.commandLine'), 'net1?(\\.exe)?"?\\s+(user|group|localgroup)')),
  },
  {
    name: 'rename-proof check: OriginalFileName (src.process) against the image path',
    query: 'metadata.product_event_type = "1" AND src.process.file.full_path = "Cmd.Exe" nocase',
    match: (u) => pet(u) === '1' && eqNocase(str(u, 'src.process.file.fullPath'), 'Cmd.Exe'),
  },
  {
    name: 'case-sensitive whole-value equality on a user (no match for the wrong case)',
    query: 'target.user.userid = "PGUSTAVO"',
    match: (u) => eq(str(u, 'target.user.userid'), 'PGUSTAVO'),
    allowEmpty: true,
  },
  {
    name: 'same user, nocase, outside registry noise',
    query: '(target.user.userid = "PGUSTAVO" nocase OR principal.user.userid = "PGUSTAVO" nocase) AND ' +
      'NOT metadata.event_type = "REGISTRY_MODIFICATION" AND NOT metadata.event_type = "REGISTRY_CREATION" AND ' +
      'NOT metadata.event_type = "GENERIC_EVENT" AND NOT metadata.event_type = "PROCESS_UNCATEGORIZED"',
    match: (u) => (eqNocase(str(u, 'target.user.userid'), 'PGUSTAVO') || eqNocase(str(u, 'principal.user.userid'), 'PGUSTAVO')) &&
      type(u) !== 'REGISTRY_MODIFICATION' && type(u) !== 'REGISTRY_CREATION' && type(u) !== 'GENERIC_EVENT' &&
      type(u) !== 'PROCESS_UNCATEGORIZED',
  },
  {
    name: 'hosts from a reference list (in %list nocase)',
    query: 'principal.hostname in %lh_hunt_hosts nocase AND metadata.event_type = "NETWORK_CONNECTION"',
    match: (u) => inListNocase(str(u, 'principal.hostname'), 'lh_hunt_hosts') && type(u) === 'NETWORK_CONNECTION',
  },
  {
    name: 'shells from a regex reference list (in regex %list nocase)',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND target.process.file.full_path in regex %lh_shells nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && inRegexList(str(u, 'target.process.file.fullPath'), 'lh_shells', 'i'),
  },
  {
    name: 'logons from the lab subnet (in cidr %list)',
    query: 'metadata.event_type = "USER_LOGIN" AND principal.ip in cidr %lh_lab_net',
    match: (u) => type(u) === 'USER_LOGIN' && inCidr(str(u, 'principal.ip'), referenceLists.lh_lab_net.entries[0]),
  },
  {
    name: 'lateral ports from a string list on additional.fields (case-sensitive in %list)',
    query: 'metadata.product_event_type = "3" AND additional.fields["DestinationPort"] in %lh_lateral_ports',
    match: (u) => pet(u) === '3' && inList(extra(u, 'DestinationPort'), 'lh_lateral_ports'),
  },
  {
    name: 'explicit credentials (4648) and source-side wmic /node',
    query: 'metadata.product_event_type = "4648" OR target.process.command_line = /wmic.*\\/node:/ nocase',
    match: (u) => pet(u) === '4648' || reNocase(str(u, 'target.process.commandLine'), 'wmic.*\\/node:'),
  },
  {
    name: 'DCOM/WMI -Embedding parents spawning anything but conhost',
    query: 'metadata.event_type = "PROCESS_LAUNCH" AND principal.process.command_line = /-Embedding/ nocase AND ' +
      'target.process.file.full_path != /\\\\conhost\\.exe$/ nocase',
    match: (u) => type(u) === 'PROCESS_LAUNCH' && reNocase(str(u, 'principal.process.commandLine'), '-Embedding') &&
      str(u, 'target.process.file.fullPath').some((v) => !/\\conhost\.exe$/i.test(v)),
  },
  {
    name: 'files written by System (SMB server) with executable extensions',
    query: 'metadata.event_type = "FILE_CREATION" AND principal.process.file.full_path = "System" AND target.file.full_path = /\\.(exe|dll|ps1|bat)$/ nocase',
    match: (u) => type(u) === 'FILE_CREATION' && eq(str(u, 'principal.process.file.fullPath'), 'System') &&
      reNocase(str(u, 'target.file.fullPath'), '\\.(exe|dll|ps1|bat)$'),
    allowEmpty: true,
  },
];

// ---------------------------------------------------------------- the test

describe('search_udm over the OTRF recordings: TypeScript SDK client vs independent evaluation', { skip, timeout: 300000 }, () => {
  let client;
  let exported;  // [{name, udm, position, micros}]
  let workDir;

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-integration-'));
    const exportFile = path.join(workDir, 'events.jsonl');
    const run = spawnSync(program, ['--data', ...zips, '--export-udm', exportFile], { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, `--export-udm failed:\n${run.stderr}`);
    assert.match(run.stderr, /total: read \d+/, 'the ingest report is printed to stderr');
    exported = fs.readFileSync(exportFile, 'utf8').split('\n').filter(Boolean).map((line, position) => {
      const event = JSON.parse(line);
      return { ...event, position, micros: timestampMicros(event.udm.metadata.eventTimestamp) };
    });
    assert.ok(exported.length > 10000, `only ${exported.length} events exported`);
    for (let i = 1; i < exported.length; i++) {
      assert.ok(exported[i - 1].micros <= exported[i].micros, 'the export is in time order');
    }

    client = new Client({ name: 'lh-integration', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: program, args: ['--data', ...zips], stderr: 'pipe' }));
    for (const [name, list] of Object.entries(referenceLists)) {
      const result = await client.callTool({
        name: 'create_reference_list',
        arguments: { name, description: 'integration test', entries: list.entries, syntax_type: list.syntax },
      });
      assert.match(result.content[0].text, /^Successfully created reference list/, result.content[0].text);
    }
  });

  after(async () => {
    await client?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  function expected(match) {
    return exported
      .filter((event) => match(event.udm))
      .sort((a, b) => b.micros - a.micros || b.position - a.position)
      .map((event) => event.name);
  }

  async function searchUdm(query, extra = {}) {
    const result = await client.callTool({
      name: 'search_udm',
      arguments: { query, start_time: '2000-01-01T00:00:00Z', end_time: '2100-01-01T00:00:00Z', max_events: 10000, ...extra },
    });
    assert.equal(result.isError ?? false, false);
    const payload = JSON.parse(result.content[0].text);
    assert.deepEqual(result.structuredContent, payload, 'structuredContent equals the text block');
    return payload;
  }

  test('at least 20 hunt queries', () => {
    assert.ok(hunts.length >= 20, `${hunts.length} queries`);
  });

  for (const hunt of hunts) {
    test(hunt.name, async () => {
      const want = expected(hunt.match);
      if (!hunt.allowEmpty) assert.ok(want.length > 0, `the oracle finds nothing for: ${hunt.query}`);
      const got = await searchUdm(hunt.query);
      assert.equal(got.error, undefined, `search_udm error: ${got.error}`);
      assert.equal(got.more_data_available, false, `cut short: ${got.events.length} of ${want.length} events`);
      assert.deepEqual(got.events.map((e) => e.name), want, `query: ${hunt.query}`);
      assert.equal(got.total_events, want.length);
    });
  }

  test('max_events returns the newest events and says more data is available', async () => {
    const hunt = hunts.find((h) => h.name.startsWith('Sysmon 3 inbound'));
    const want = expected(hunt.match);
    assert.ok(want.length > 3);
    const got = await searchUdm(hunt.query, { max_events: 3 });
    assert.deepEqual(got.events.map((e) => e.name), want.slice(0, 3));
    assert.equal(got.total_events, 3);
    assert.equal(got.more_data_available, true);
  });

  test('a result too large for one message keeps the newest events and sets more_data_available', async () => {
    const query = 'metadata.event_type = "REGISTRY_CREATION" OR metadata.event_type = "REGISTRY_MODIFICATION"';
    const want = expected((u) => type(u) === 'REGISTRY_CREATION' || type(u) === 'REGISTRY_MODIFICATION');
    const got = await searchUdm(query);
    assert.ok(got.events.length > 0 && got.events.length < want.length, `${got.events.length} of ${want.length}`);
    assert.deepEqual(got.events.map((e) => e.name), want.slice(0, got.events.length));
    assert.equal(got.total_events, got.events.length);
    assert.equal(got.more_data_available, true);
  });

  test('hours_back counts back from the newest event', async () => {
    const newest = exported[exported.length - 1].micros;
    const want = exported
      .filter((e) => e.udm.metadata.eventType === 'PROCESS_LAUNCH' && e.micros >= newest - 3600 * 1e6)
      .sort((a, b) => b.micros - a.micros || b.position - a.position)
      .map((e) => e.name);
    const result = await client.callTool({
      name: 'search_udm',
      arguments: { query: 'metadata.event_type = "PROCESS_LAUNCH"', hours_back: 1, max_events: 10000 },
    });
    const got = JSON.parse(result.content[0].text);
    assert.ok(want.length > 0);
    assert.deepEqual(got.events.map((e) => e.name), want);
  });

  test('a malformed query is an isError=false payload that names the column', async () => {
    const result = await client.callTool({ name: 'search_udm', arguments: { query: 'target.process.command_line CONTAINS "psexec"' } });
    assert.equal(result.isError ?? false, false);
    const payload = JSON.parse(result.content[0].text);
    assert.deepEqual(payload.events, []);
    assert.match(payload.error, /col \d+/);
  });

  test('invalid arguments are isError results naming the argument', async () => {
    const result = await client.callTool({ name: 'search_udm', arguments: { query: 'target.port = 445', hours_back: 'a day' } });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /hours_back/);
  });
});
