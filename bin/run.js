#!/usr/bin/env node
// Node 22+ caches compiled modules between runs; on Node 20 this is a no-op.
import module from 'node:module'
module.enableCompileCache?.()

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
