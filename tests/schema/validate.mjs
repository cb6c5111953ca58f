// Checks that `brokersim schema` agrees with the loader, using a real draft 2020-12 validator (ajv):
// every scenario file the loader accepts validates, and every file with a structural mistake (unknown
// key, wrong type, value out of range or not in an enumeration, missing key) does not.
// Usage: node validate.mjs SCHEMA.json REPO_ROOT
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let Ajv2020;
try {
  Ajv2020 = require('ajv/dist/2020').default;
} catch (error) {
  console.error('tests/schema/node_modules is missing: run scripts/install-deps --tests (npm ci in tests/schema)');
  process.exit(1);
}

// The bad files (tests/scenarios/bad) whose mistake a schema can see (the others are cross-references and rules between
// values, which only the loader checks).
const structural = [
  'acks-two', 'backoff-multiplier-below-one', 'controllers-count-zero', 'controllers-placement-unknown', 'boolean-for-number', 'clock-drift-string', 'comment-not-string',
  'commit-typo', 'crash-with-duration', 'dist-typo', 'distribution-key-of-other-dist',
  'distribution-missing-parameter', 'distribution-not-object', 'duplicate-zone', 'duration-overflow',
  'emits-unknown-key', 'empty-name', 'expect-negative-threshold', 'expect-ordering-typo', 'expect-typo',
  'fault-key-of-other-kind', 'fault-missing-at', 'fault-missing-kind', 'fault-negative-at', 'fault-unknown-kind',
  'fractional-partitions', 'instances-zero', 'jitter-typo', 'keys-dist-typo', 'keys-zero', 'leader-of-malformed',
  'link-one-end', 'link-three-ends', 'lognormal-both-forms', 'lognormal-median-zero', 'messages-negative',
  'missing-brokers', 'missing-duration', 'missing-name', 'missing-producer-topic', 'negative-duration',
  'negative-rate', 'nesting-too-deep', 'network-not-object', 'no-rate-no-messages', 'not-an-object',
  'null-required-name', 'number-for-string', 'object-for-array', 'pareto-shape-zero', 'partition-empty-side',
  'partition-three-sides', 'poison-count-and-every', 'probability-above-one', 'rate-zero', 'request-timeout-zero',
  'scale-negative', 'schema-change-version-zero', 'seed-fractional', 'seed-negative', 'selector-two-keys',
  'string-for-number', 'then-typo', 'unknown-key-backoff', 'unknown-key-fault', 'unknown-key-producer',
  'unknown-key-top', 'zero-brokers',
  // RabbitMQ
  'rabbitmq-unknown-key', 'rabbitmq-nodes-zero', 'exchange-type-typo', 'exchange-missing-name', 'queue-type-typo',
  'queue-overflow-typo', 'queue-consumer-timeout-zero', 'queue-unknown-key', 'queue-missing-name', 'binding-missing-queue',
  'binding-x-match-typo', 'binding-header-not-string', 'producer-two-destinations', 'producer-no-destination',
  'producer-routing-key-empty-list', 'producer-routing-key-number', 'producer-attribute-number', 'producer-attributes-not-object',
  'group-topic-and-queue', 'group-no-destination', 'group-prefetch-negative',
];

const [schemaPath, root] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validate = ajv.compile(schema);

function jsonFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(full);
    return entry.name.endsWith('.json') ? [full] : [];
  }).sort();
}

let failures = 0;
const valid = jsonFiles(path.join(root, 'scenarios')).concat(jsonFiles(path.join(root, 'tests/scenarios/good')));
for (const file of valid) {
  if (!validate(JSON.parse(fs.readFileSync(file, 'utf8')))) {
    console.error(`${file}: the loader accepts it but the schema rejects it: ${ajv.errorsText(validate.errors)}`);
    failures++;
  }
}
for (const name of structural) {
  const file = path.join(root, 'tests/scenarios/bad', `${name}.json`);
  if (validate(JSON.parse(fs.readFileSync(file, 'utf8')))) {
    console.error(`${file}: the loader rejects it but the schema accepts it`);
    failures++;
  }
}
if (valid.length < 10) {
  console.error(`only ${valid.length} scenario files found under ${root}/scenarios`);
  failures++;
}
console.log(`${valid.length + structural.length - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
