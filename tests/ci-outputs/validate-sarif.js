// Validates SARIF files against the SARIF 2.1.0 JSON schema (2.1.0-rtm.5,
// the final one, as @microsoft/jest-sarif ships it) with ajv, formats
// included. The schema is JSON Schema draft-04, hence ajv-draft-04.
// Usage: node validate-sarif.js NODE_MODULES FILE...; exit 0 when all are
// valid, 1 (with ajv's errors) when one is not.
'use strict';
const fs = require('fs');
const path = require('path');

const nm = process.argv[2];
const Ajv = require(path.join(nm, 'ajv-draft-04'));
const addFormats = require(path.join(nm, 'ajv-formats'));
const schemaPath = path.join(nm, '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));

// Nothing is fetched: the logs' $schema is a name, not a reference ajv follows.
// unicodeRegExp off: the schema's language pattern has a stray ']', an
// error under the u flag that JavaScript's plain regexps read as a literal.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
if (!/SARIF\) Version 2\.1\.0/.test(schema.title || '')) {
  console.error(`${schemaPath}: not the SARIF 2.1.0 schema`);
  process.exit(2);
}
let bad = 0;
for (const file of process.argv.slice(3)) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
  } else {
    bad++;
    console.log(`${file}: INVALID`);
    for (const e of validate.errors) console.log(`  ${e.instancePath} ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
