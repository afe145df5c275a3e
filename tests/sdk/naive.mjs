// The naive way, as a user writes it from Telnyx's guide with the official SDK: find the
// enterprise, list every monitored number with the SDK's auto-pagination at its default
// page size, add the missing ones 100 a call, then delete the extra ones one at a time,
// everything in sequence. benches/naive.rs times it beside `telrep apply`.
//
// Run: node naive.mjs BASE_URL NUMBERS_FILE [LEGAL_NAME]
//   BASE_URL      the API, e.g. http://127.0.0.1:PORT/v2 (else TELNYX_BASE_URL)
//   NUMBERS_FILE  the numbers to monitor, one E.164 number a line
//   LEGAL_NAME    the enterprise's legal name (default `Acme Corp`)
// The key is TELNYX_API_KEY (else `KEY`). Prints one JSON line: the calls it made by kind
// and the wall milliseconds of each phase.
import { readFileSync } from 'node:fs';
import Telnyx from 'telnyx';

const [baseURL = process.env.TELNYX_BASE_URL, numbersFile, legalName = 'Acme Corp'] = process.argv.slice(2);
const desired = readFileSync(numbersFile, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);

// Every HTTP request the SDK sends, retries included, counted by kind.
const calls = { list_enterprises: 0, list_numbers: 0, add: 0, delete: 0, other: 0 };
function kind(method, url) {
  const path = new URL(url).pathname;
  if (method === 'GET' && path.endsWith('/enterprises')) return 'list_enterprises';
  if (method === 'GET' && path.endsWith('/reputation/numbers')) return 'list_numbers';
  if (method === 'POST' && path.endsWith('/reputation/numbers')) return 'add';
  if (method === 'DELETE' && path.includes('/reputation/numbers/')) return 'delete';
  return 'other';
}
const counting = (url, init) => {
  calls[kind(init?.method ?? 'GET', String(url))] += 1;
  return fetch(url, init);
};

const client = new Telnyx({ apiKey: process.env.TELNYX_API_KEY ?? 'KEY', baseURL, fetch: counting });
const ms = {};
const start = performance.now();
let mark = start;
const lap = (phase) => {
  const now = performance.now();
  ms[phase] = Math.round(now - mark);
  mark = now;
};

let enterprise;
for await (const candidate of client.enterprises.list()) {
  if (candidate.legal_name === legalName) enterprise = candidate;
}
if (!enterprise) throw new Error(`no enterprise has legal_name ${legalName}`);
lap('find');

const monitored = new Set();
for await (const number of client.enterprises.reputation.numbers.list(enterprise.id)) {
  monitored.add(number.phone_number);
}
lap('list');

const toAdd = desired.filter((number) => !monitored.has(number));
for (let index = 0; index < toAdd.length; index += 100) {
  await client.enterprises.reputation.numbers.associate(enterprise.id, { phone_numbers: toAdd.slice(index, index + 100) });
}
lap('add');

const wanted = new Set(desired);
const toDelete = [...monitored].filter((number) => !wanted.has(number));
for (const number of toDelete) {
  await client.enterprises.reputation.numbers.disassociate(number, { enterprise_id: enterprise.id });
}
lap('delete');

ms.total = Math.round(performance.now() - start);
console.log(JSON.stringify({ monitored: monitored.size, added: toAdd.length, deleted: toDelete.length, calls, ms }));
