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

// The invalid files whose mistake a schema can see (the others are cross-references and rules between
// values, which only the loader checks).
const structural = [
  'acks-two', 'boolean-for-number', 'commit-typo', 'dist-typo', 'duration-overflow', 'expect-negative-threshold',
  'expect-typo', 'fault-missing-at', 'fault-unknown-kind', 'fractional-partitions', 'jitter-typo', 'keys-zero',
  'leader-of-malformed', 'link-three-ends', 'lognormal-both-forms', 'missing-brokers', 'missing-duration',
  'missing-name', 'missing-producer-topic', 'negative-duration', 'negative-rate', 'no-rate-no-messages',
  'not-an-object', 'number-for-string', 'object-for-array', 'partition-three-sides', 'poison-count-and-every',
  'probability-above-one', 'seed-negative', 'string-for-number', 'unknown-key-fault', 'unknown-key-producer',
  'unknown-key-top', 'zero-brokers',
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
  const file = path.join(root, 'tests/scenarios/invalid', `${name}.json`);
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
