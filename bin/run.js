#!/usr/bin/env node
// Loads the one-file bundle through vm.Script with V8 cached data kept in ~/.cache/cg, which Node 20's
// module loader cannot do (module.enableCompileCache arrived in Node 22). Startup is most of a short run.
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

// `cg --version` answers without loading the CLI, in oclif's format.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  process.exit(0)
}

const file = fileURLToPath(new URL('../dist/cg.cjs', import.meta.url))
const source = readFileSync(file, 'utf8')
const {size, mtimeMs} = statSync(file)
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cg')
const cacheFile = join(cacheDir, `bundle-${process.version}-${size}-${Math.trunc(mtimeMs)}.v8`)
let cachedData
try {
  cachedData = readFileSync(cacheFile)
} catch {}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
  importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
})
globalThis.__cgImport = (specifier) => import(specifier)
const mod = {exports: {}}
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file))
globalThis.__cgBundle = mod.exports

process.once('exit', () => {
  if (cachedData && !script.cachedDataRejected) return
  try {
    mkdirSync(cacheDir, {recursive: true})
    const tmp = `${cacheFile}.${process.pid}`
    writeFileSync(tmp, script.createCachedData())
    renameSync(tmp, cacheFile)
  } catch {}
})

await mod.exports.execute({dir: import.meta.url})
