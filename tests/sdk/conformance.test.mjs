// The sandbox, driven by the official Telnyx SDK (7.24.0): every response has the fields
// and types the SDK's .d.ts declare, and every error comes back as the SDK's error class.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Telnyx from 'telnyx';
import { startSandbox, telnyx, acme, loaBase64, eventually, numbers, ineligible, refused } from './harness.mjs';

let sandbox;
let client;
const state = {};

before(async () => {
  sandbox = await startSandbox(['--approve-after', '1500ms', '--reject', 'Rejected Inc']);
  client = telnyx(sandbox.baseURL);
});
after(() => sandbox.stop());

/** Asserts each named field has the type given ('string', 'number', 'boolean', 'array', 'object', with '|null'). */
function shape(value, fields) {
  for (const [name, type] of Object.entries(fields)) {
    const actual = value[name] === null ? 'null' : Array.isArray(value[name]) ? 'array' : typeof value[name];
    assert.ok(type.split('|').includes(actual), `${name}: expected ${type}, got ${actual} (${JSON.stringify(value[name])})`);
  }
}

const enterpriseFields = {
  id: 'string', legal_name: 'string', doing_business_as: 'string', organization_type: 'string', country_code: 'string',
  website: 'string', fein: 'string', industry: 'string', number_of_employees: 'string', organization_legal_type: 'string',
  jurisdiction_of_incorporation: 'string', organization_contact: 'object', billing_contact: 'object',
  organization_physical_address: 'object', billing_address: 'object', role_type: 'string',
  corporate_registration_number: 'string|null', dun_bradstreet_number: 'string|null',
  primary_business_domain_sic_code: 'string|null', professional_license_number: 'string|null',
  number_reputation_enabled: 'boolean', branded_calling_enabled: 'boolean', created_at: 'string', updated_at: 'string',
};
const reputationFields = {
  enterprise_id: 'string', status: 'string', loa_document_id: 'string|null', loa_status: 'string',
  check_frequency: 'string', rejection_reasons: 'array|null', created_at: 'string', updated_at: 'string',
};
const numberFields = { id: 'string', enterprise_id: 'string', phone_number: 'string', reputation_data: 'object|null', created_at: 'string', updated_at: 'string' };
const metaFields = { page_number: 'number', page_size: 'number', total_pages: 'number', total_results: 'number' };

test('errors before any setup come back as the SDK error classes', async () => {
  const anonymous = new Telnyx({ apiKey: '', baseURL: sandbox.baseURL, maxRetries: 0 });
  await assert.rejects(anonymous.enterprises.list(), (error) => error instanceof Telnyx.AuthenticationError && error.status === 401);
  const { data } = await client.enterprises.create(acme());
  state.enterprise = data.id;
  await assert.rejects(client.enterprises.reputation.retrieve(state.enterprise),
    (error) => error instanceof Telnyx.PermissionDeniedError && error.status === 403);
  await assert.rejects(client.enterprises.retrieve('00000000-0000-4000-8000-000000000000'),
    (error) => error instanceof Telnyx.NotFoundError && error.status === 404);
  await assert.rejects(client.enterprises.create(acme()), (error) => error instanceof Telnyx.ConflictError && error.status === 409);
  await assert.rejects(client.enterprises.create({ ...acme('AC'), fein: undefined }), (error) => {
    assert.ok(error instanceof Telnyx.UnprocessableEntityError);
    assert.deepEqual(error.error.errors.map((entry) => entry.source.pointer), ['/body/legal_name', '/body/fein']);
    return true;
  });
  await assert.rejects(client.enterprises.update(state.enterprise, { country_code: 'CA' }),
    (error) => error instanceof Telnyx.BadRequestError && error.error.errors[0].detail === "Field 'country_code' is not allowed in this request");
});

test('agree, create, upload, enable and wait for approval', async () => {
  const agreed = await client.termsOfService.numberReputation.agree();
  shape(agreed.data, { id: 'string', agreed_at: 'string', created_at: 'string', product_type: 'string', terms_version: 'string', version: 'string' });
  const again = await client.termsOfService.numberReputation.agree();
  assert.deepEqual(again, agreed);
  const fetched = await client.enterprises.retrieve(state.enterprise);
  shape(fetched.data, enterpriseFields);
  assert.equal(fetched.data.customer_reference, undefined);
  // The LOA rendered for signature: a PDF, as the SDK asks for it (Accept: application/pdf).
  const rendered = await client.enterprises.reputation.loa.render(state.enterprise);
  assert.equal(rendered.headers.get('content-type'), 'application/pdf');
  const pdf = Buffer.from(await rendered.arrayBuffer()).toString('latin1');
  assert.ok(pdf.startsWith('%PDF-') && pdf.endsWith('%%EOF\n') && pdf.includes('(Enterprise: Acme Corp) Tj'), pdf);
  const uploaded = await client.documents.uploadJson({ document: { file: loaBase64(), filename: 'acme loa.pdf' } });
  shape(uploaded.data, { id: 'string', record_type: 'string', filename: 'string', sha256: 'string', size: 'object', created_at: 'string' });
  state.document = uploaded.data.id;
  const legacy = await client.documents.upload({ document: { file: loaBase64(), filename: 'second.pdf' } });
  assert.equal(legacy.data.sha256, uploaded.data.sha256);
  await assert.rejects(client.enterprises.reputation.enable(state.enterprise, { loa_document_id: '11111111-1111-4111-8111-111111111111' }),
    (error) => error instanceof Telnyx.UnprocessableEntityError);
  const enabled = await client.enterprises.reputation.enable(state.enterprise, { loa_document_id: state.document, check_frequency: 'daily' });
  shape(enabled.data, reputationFields);
  assert.equal(enabled.data.status, 'pending');
  await assert.rejects(client.enterprises.reputation.enable(state.enterprise, { loa_document_id: state.document }),
    (error) => error instanceof Telnyx.BadRequestError);
  await assert.rejects(client.enterprises.reputation.updateFrequency(state.enterprise, { check_frequency: 'weekly' }),
    (error) => error instanceof Telnyx.BadRequestError);
  await eventually(async () => {
    const { data } = await client.enterprises.reputation.retrieve(state.enterprise);
    return data.status === 'approved' && data.loa_status === 'approved';
  });
  await assert.rejects(client.enterprises.reputation.loa.update(state.enterprise, { loa_document_id: state.document }),
    (error) => error instanceof Telnyx.BadRequestError && error.error.errors[0].detail === 'The authorization document cannot be changed after it has been approved.');
});

test('associate 250 numbers in batches and iterate them with auto-pagination', async () => {
  for (let start = 0; start < numbers.length; start += 100) {
    const batch = numbers.slice(start, start + 100);
    const added = await client.enterprises.reputation.numbers.associate(state.enterprise, { phone_numbers: batch });
    assert.equal(added.data.length, batch.length);
    shape(added.data[0], numberFields);
    shape(added.meta, metaFields);
  }
  await assert.rejects(client.enterprises.reputation.numbers.associate(state.enterprise, { phone_numbers: [ineligible, refused, '+13125550100'] }),
    (error) => {
      assert.ok(error instanceof Telnyx.BadRequestError);
      assert.deepEqual(error.error.errors.map((entry) => entry.source.pointer), ['/body/phone_numbers/0', '/body/phone_numbers/1', '/body/phone_numbers/2']);
      return true;
    });
  const seen = [];
  for await (const number of client.enterprises.reputation.numbers.list(state.enterprise, { 'page[size]': 30 })) {
    shape(number, numberFields);
    seen.push(number.phone_number);
  }
  assert.deepEqual(seen, numbers);
  const everyone = [];
  for await (const number of client.reputation.numbers.list()) everyone.push(number.phone_number);
  assert.equal(everyone.length, 250);
  const page = await client.enterprises.reputation.numbers.list(state.enterprise);
  assert.deepEqual({ ...page.meta }, { page_number: 1, page_size: 10, total_pages: 25, total_results: 250 });
});

test('retrieve, update frequency, refresh, disassociate and disable', async () => {
  const one = await client.enterprises.reputation.numbers.retrieve(numbers[0], { enterprise_id: state.enterprise });
  shape(one.data, numberFields);
  shape(one.data.reputation_data, { spam_risk: 'string|null', spam_category: 'string|null', maturity_score: 'number|null',
    connection_score: 'number|null', engagement_score: 'number|null', sentiment_score: 'number|null', last_refreshed_at: 'string|null' });
  const fresh = await client.reputation.numbers.retrieve(numbers[1], { fresh: true });
  shape(fresh.data, numberFields);
  const frequency = await client.enterprises.reputation.updateFrequency(state.enterprise, { check_frequency: 'weekly' });
  assert.equal(frequency.data.check_frequency, 'weekly');
  const refreshed = await client.enterprises.reputation.numbers.refresh(state.enterprise, { phone_numbers: numbers.slice(0, 3) });
  shape(refreshed.data, { results: 'array', total_requested: 'number', total_successful: 'number', total_failed: 'number' });
  assert.equal(refreshed.data.total_successful, 3);
  // Remediation: one refreshed number (so rated) and one without data (ineligible, not billed).
  const submitted = await client.enterprises.reputation.remediation.create(state.enterprise,
    { phone_numbers: [numbers[2], numbers[5]], call_purpose: 'appointment reminders', contact_email: 'ops@example.com' });
  shape(submitted.data, { id: 'string', status: 'string', call_purpose: 'string', phone_numbers_count: 'number',
    phone_numbers_submitted: 'number', phone_numbers_ineligible: 'number', created_at: 'string', updated_at: 'string' });
  assert.deepEqual([submitted.data.status, submitted.data.results, submitted.data.phone_numbers_submitted], ['pending', null, 1]);
  await assert.rejects(client.enterprises.reputation.remediation.create(state.enterprise,
    { phone_numbers: [numbers[2]], call_purpose: 'again' }), (error) => error instanceof Telnyx.ConflictError);
  let done;
  await eventually(async () => {
    done = await client.enterprises.reputation.remediation.retrieve(submitted.data.id, { enterprise_id: state.enterprise });
    return done.data.status === 'completed';
  });
  assert.deepEqual(done.data.results.ineligible, [numbers[5]]);
  assert.equal(Object.values(done.data.results).flat().length, 2);
  const requests = [];
  for await (const item of client.enterprises.reputation.remediation.list(state.enterprise, { 'filter[status]': 'completed' })) {
    assert.equal(item.results, undefined);
    requests.push(item.id);
  }
  assert.deepEqual(requests, [submitted.data.id]);
  await client.enterprises.reputation.numbers.disassociate(numbers[0], { enterprise_id: state.enterprise });
  await assert.rejects(client.enterprises.reputation.numbers.disassociate(numbers[0], { enterprise_id: state.enterprise }),
    (error) => error instanceof Telnyx.NotFoundError);
  await client.reputation.numbers.delete(numbers[1]);
  await client.enterprises.reputation.disable(state.enterprise);
  await assert.rejects(client.enterprises.reputation.retrieve(state.enterprise), (error) => error instanceof Telnyx.NotFoundError);
  const billing = await sandbox.control('billing');
  assert.deepEqual(billing.data, { enable: 1, numbers_added: 250, fresh_lookups: 1, first_lookups: 1, refreshes: 3, remediations: 1 });
});

test('a rate limit comes back as RateLimitError with Retry-After', async () => {
  const limited = await startSandbox(['--rate-limit', '1/s']);
  try {
    const quick = telnyx(limited.baseURL);
    const results = await Promise.allSettled([1, 2, 3].map(() => quick.termsOfService.numberReputation.agree()));
    const refusals = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
    assert.ok(refusals.length >= 1);
    for (const error of refusals) {
      assert.ok(error instanceof Telnyx.RateLimitError);
      assert.equal(error.headers.get('retry-after'), '1');
    }
  } finally {
    limited.stop();
  }
});

test('rejected vetting carries its reasons', async () => {
  const { data } = await client.enterprises.create(acme('Rejected Inc'));
  const document = (await client.documents.uploadJson({ document: { file: loaBase64(), filename: 'r.pdf' } })).data.id;
  await client.enterprises.reputation.enable(data.id, { loa_document_id: document });
  await eventually(async () => (await client.enterprises.reputation.retrieve(data.id)).data.status === 'rejected');
  const { data: settings } = await client.enterprises.reputation.retrieve(data.id);
  assert.equal(settings.rejection_reasons.length, 2);
});
