// Validates every CSAF JSON file in a directory with the BSI csaf-validator-lib: the CSAF 2.0
// schema test and every mandatory test (section 6.1). Prints one line per file (and the failing
// tests' errors), and exits non-zero if any file is invalid.
//
//   node validate.mjs <directory>
//
// Offline: the library compiles its bundled copies of the CSAF and FIRST CVSS schemas; only its
// informative URL test fetches, and that test is not run here.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as schemaTests from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatoryTests from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import validate from '@secvisogram/csaf-validator-lib/validate.js'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node validate.mjs <directory>')
  process.exit(2)
}

// The strict schema test forbids members the schema does not name; run it with the others.
const tests = [...Object.values(schemaTests), ...Object.values(mandatoryTests)]
const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
if (files.length === 0) {
  console.error(`no .json files in ${dir}`)
  process.exit(2)
}

let invalid = 0
for (const file of files) {
  const doc = JSON.parse(await readFile(join(dir, file), 'utf8'))
  const result = await validate(tests, doc)
  const failed = result.tests.filter((t) => !t.isValid)
  if (result.isValid) {
    console.log(`ok      ${file} (${result.tests.length} tests)`)
  } else {
    invalid += 1
    console.log(`INVALID ${file}`)
    for (const t of failed) {
      for (const e of t.errors) console.log(`  ${t.name}: ${e.instancePath} ${e.message}`)
    }
  }
}
console.log(`${files.length - invalid} of ${files.length} files valid`)
process.exit(invalid === 0 ? 0 : 1)
