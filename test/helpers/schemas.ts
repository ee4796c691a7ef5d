import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Ajv} from 'ajv'
import {expect} from 'vitest'

// The --json contract: every schema under schemas/, loaded once, each known by its file name.
export const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url))
/** top-level files, one per command (plus error.json); kafka/ and rabbitmq/ hold the broker variants they refer to */
export const SCHEMA_FILES = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'))
const VARIANT_FILES: string[] = []

const ajv = new Ajv({allErrors: true, strict: false})
for (const f of [...SCHEMA_FILES, ...VARIANT_FILES]) ajv.addSchema(JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')), f)

/** Asserts that doc is valid against schemas/<schema> (e.g. "groups.json"), naming every violation. */
export function expectValid(schema: string, doc: unknown, context = ''): void {
  const ok = ajv.validate(schema, doc)
  expect(ok, `${context ? context + ': ' : ''}${schema}: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(doc).slice(0, 1500)}`).toBe(true)
}
