// Builds the CLI: one CommonJS bundle of every command plus @oclif/core, so a run
// loads one file (Node 20 has no module compile cache; bin/run.js caches V8 code for the bundle).
import {build} from 'esbuild'
import {copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
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
  // @platformatic/kafka loads WebAssembly relative to its own import.meta.url, so it gets a bundle of its
  // own, dist/kafka.mjs (ESM, below), imported on first use (src/brokers/kafka/kafka-adapter.ts).
  external: ['typescript', '@platformatic/kafka'],
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [routeDynamicImports],
  banner: {js: 'var __cgImport = (s) => (globalThis.__cgImport ?? ((x) => import(x)))(s);'},
})
// The Kafka client as one ESM file: loading its ~175 modules one by one took ~200 ms, and compiling its
// ~40 option schemas (ajv) at load another ~200 ms. Here each schema compiles on first use instead (the
// validator keeps the library's contract: call it, then read .errors). Its WebAssembly helper reads
// ../dist/native.wasm relative to the bundle, so the file is copied beside it.
const lazyAjv = {
  name: 'lazy-ajv',
  setup(b) {
    b.onLoad({filter: /@platformatic[\\/]kafka[\\/]dist[\\/]utils\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const line = /^export const ajv = new Ajv2020\(.*\);$/m.exec(text)
      if (!line) throw new Error('@platformatic/kafka: the ajv instance line changed; update scripts/build.mjs (lazy-ajv)')
      const lazy =
        '\n{ const compileNow = ajv.compile.bind(ajv); ajv.compile = (schema) => { let v; const f = function (data) { v ??= compileNow(schema); const ok = v.call(this, data); f.errors = v.errors; return ok; }; f.errors = null; return f; }; }'
      return {contents: text.replace(line[0], line[0] + lazy), loader: 'js'}
    })
  },
}
await build({
  entryPoints: [join(root, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(root, 'dist', 'kafka.mjs'),
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [lazyAjv],
  banner: {
    js:
      "import {createRequire as __cgCreateRequire} from 'node:module'; const require = __cgCreateRequire(import.meta.url);\n" +
      (await readFile(join(root, 'src', 'compat', 'node20.js'), 'utf8')),
  },
})
copyFileSync(join(root, 'node_modules', '@platformatic', 'wasm-utils', 'dist', 'native.wasm'), join(root, 'dist', 'native.wasm'))

writeFileSync(
  join(root, 'dist', 'commands.cjs'),
  "// oclif's explicit command target: the bundle bin/run.js already loaded, so one copy of everything.\n" +
    "module.exports = globalThis.__cgBundle ?? require('./cg.cjs')\n",
)
console.log(`bundled ${ids.length} commands into dist/cg.cjs`)
