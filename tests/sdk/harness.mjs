// Starts `telrep sandbox serve` on a free loopback port and builds the official client for it.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Telnyx from 'telnyx';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The 250 local numbers every suite may add, then an ineligible (mobile) one and a refused one. */
export const numbers = Array.from({ length: 250 }, (_, index) => `+1202555${String(1000 + index).padStart(4, '0')}`);
export const ineligible = '+12025559998';
export const refused = '+12025559999';

/** Starts the sandbox; resolves to { baseURL, stop, control }. */
export async function startSandbox(extra = []) {
  const bin = process.env.TELREP_BIN;
  if (!bin) throw new Error('set TELREP_BIN to the telrep binary (cargo runs this suite with it set)');
  const directory = mkdtempSync(join(tmpdir(), 'telrep-sdk-'));
  const inventory = join(directory, 'inventory.txt');
  writeFileSync(inventory, [...numbers, refused, `${ineligible} mobile`].join('\n') + '\n');
  const child = spawn(bin, ['sandbox', 'serve', '--listen', '127.0.0.1:0', '--inventory', inventory,
    '--refuse', refused, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseURL = await new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = buffer.match(/listening on (\S+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const origin = new URL(baseURL).origin;
  return {
    baseURL,
    stop: () => child.kill('SIGTERM'),
    control: async (path, init) => (await fetch(`${origin}/_sandbox/${path}`, init)).json(),
  };
}

/** The official client pointed at the sandbox, as TELNYX_BASE_URL would point it. */
export function telnyx(baseURL, options = {}) {
  return new Telnyx({ apiKey: 'KEY', baseURL, maxRetries: 0, ...options });
}

/** The example manifest's enterprise, as the SDK's create params. */
export function acme(legalName = 'Acme Corp') {
  return {
    legal_name: legalName, doing_business_as: 'Acme', organization_type: 'commercial', country_code: 'US',
    website: 'https://acme.com', fein: '12-3456789', industry: 'technology', number_of_employees: '51-200',
    organization_legal_type: 'corporation', jurisdiction_of_incorporation: 'Delaware',
    organization_contact: { first_name: 'Jane', last_name: 'Smith', email: 'jane@acme.com', job_title: 'CTO', phone_number: '+12025551234' },
    billing_contact: { first_name: 'Jane', last_name: 'Smith', email: 'billing@acme.com', phone_number: '+12025551234' },
    organization_physical_address: { country: 'US', administrative_area: 'CA', city: 'San Francisco', postal_code: '94105', street_address: '123 Main St' },
    billing_address: { country: 'US', administrative_area: 'CA', city: 'San Francisco', postal_code: '94105', street_address: '123 Main St' },
  };
}

/** The example LOA, base64. */
export function loaBase64() {
  return readFileSync(join(root, 'examples', 'loa', 'acme-signed.pdf')).toString('base64');
}

/** Waits until `condition()` resolves truthy, polling, for at most `seconds`. */
export async function eventually(condition, seconds = 10) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
