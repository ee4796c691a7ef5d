// Builds the CLI: one CommonJS bundle of every command plus @oclif/core, so a run
// loads one file (Node 20 has no module compile cache; bin/run.js caches V8 code for the bundle).
import {build} from 'esbuild'
import {mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const commandsDir = join(root, 'src', 'commands')

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : []
  })
}


// src/commands/dlq/replay.ts -> command id "dlq:replay"
const files = walk(commandsDir).sort()
const ids = files.map((f) => relative(commandsDir, f).replace(/\.ts$/, '').split(sep).join(':'))
const entry = [
  "export {execute, run, Config} from '@oclif/core'",
  ...files.map((f, i) => `import c${i} from './${relative(root, f).split(sep).join('/')}'`),
  `export const COMMANDS = {${ids.map((id, i) => `${JSON.stringify(id)}: c${i}`).join(', ')}}`,
].join('\n')

// Code compiled from V8 cached data loses its dynamic-import hook (Node 20), so the import() calls of
// dependencies (oclif loading ESM plugins and hooks) go through bin/run.js's own import().
const routeDynamicImports = {
  name: 'route-dynamic-imports',
  setup(b) {
    b.onLoad({filter: /node_modules[\\/].*\.[cm]?js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      if (!/\bimport\s*\(/.test(text)) return undefined
      return {contents: text.replace(/(^|[^.\w$])import\s*\(/g, '$1__cgImport('), loader: 'js'}
    })
  },
}

mkdirSync(join(root, 'dist'), {recursive: true})
await build({
  stdin: {contents: entry, resolveDir: root, sourcefile: 'cg-entry.ts', loader: 'ts'},
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(root, 'dist', 'cg.cjs'),
  // oclif can load TypeScript sources in development through `typescript`; cg never does.
  // @platformatic/kafka loads WebAssembly relative to its own import.meta.url, so it stays a real ESM
  // package in node_modules, imported on first use through bin/run.js (src/brokers/kafka/kafka-adapter.ts).
  external: ['typescript', '@platformatic/kafka'],
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [routeDynamicImports],
  banner: {js: 'var __cgImport = (s) => (globalThis.__cgImport ?? ((x) => import(x)))(s);'},
})
writeFileSync(
  join(root, 'dist', 'commands.cjs'),
  "// oclif's explicit command target: the bundle bin/run.js already loaded, so one copy of everything.\n" +
    "module.exports = globalThis.__cgBundle ?? require('./cg.cjs')\n",
)
console.log(`bundled ${ids.length} commands into dist/cg.cjs`)
