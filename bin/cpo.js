#!/usr/bin/env node
// The early reads start before the command's modules load (ARCHITECTURE.md §34).
import { startEarlyReads } from '../dist/early.js'

const argv = process.argv.slice(2)
startEarlyReads(argv)
const { main } = await import('../dist/cli.js')
await main(argv)
