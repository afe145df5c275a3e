// One pass over every call telrep makes, through the official SDK, against the sandbox at
// argv[2]. tests/sdk.rs runs the same pass through telrep's client and compares what the
// sandbox saw from each.
import { telnyx, acme, loaBase64, eventually } from './harness.mjs';

const client = telnyx(process.argv[2]);
const numbers = ['+12025551000', '+12025551001', '+12025551002'];
const page = { 'page[number]': 1, 'page[size]': 250 };

await client.termsOfService.numberReputation.agree();
await client.termsOfService.retrieveStatus({ product_type: 'number_reputation' });
const { data: enterprise } = await client.enterprises.create(acme());
await client.enterprises.list({ legal_name: 'Acme Corp', ...page });
await client.enterprises.retrieve(enterprise.id);
await client.enterprises.update(enterprise.id, { website: 'https://acme.org' });
const { data: document } = await client.documents.uploadJson({ document: { file: loaBase64(), filename: 'acme-signed.pdf' } });
await client.documents.retrieve(document.id);
await client.enterprises.reputation.enable(enterprise.id, { loa_document_id: document.id, check_frequency: 'daily' });
await eventually(async () => (await client.enterprises.reputation.retrieve(enterprise.id)).data.status === 'approved');
await client.enterprises.reputation.updateFrequency(enterprise.id, { check_frequency: 'weekly' });
await client.enterprises.reputation.numbers.associate(enterprise.id, { phone_numbers: numbers });
await client.enterprises.reputation.numbers.list(enterprise.id, page);
await client.enterprises.reputation.numbers.list(enterprise.id, { 'filter[phone_number][eq]': numbers[0], ...page });
await client.enterprises.reputation.numbers.retrieve(numbers[0], { enterprise_id: enterprise.id });
await client.enterprises.reputation.numbers.refresh(enterprise.id, { phone_numbers: numbers });
await client.enterprises.reputation.numbers.disassociate(numbers[0], { enterprise_id: enterprise.id });
await client.reputation.numbers.list(page);
await client.phoneNumbers.list({ filter: { phone_number: '2025551001' }, ...page });
await client.enterprises.reputation.disable(enterprise.id);
