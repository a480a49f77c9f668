// Builds the synthetic repository the benchmark runs against. Everything comes from one seeded
// PRNG, so every run (and every machine) gets byte-identical files; only commit ids differ
// (commit dates are real time).
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** mulberry32: small, fast, good enough for synthetic content. */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'const let return function export import from async await if else for while new class ' +
  'interface type extends implements value result error state stage story epic checkpoint ' +
  'snapshot config options index file path buffer stream request response handler user ' +
  'project plan status pending done failed retry count total item list map set get update ' +
  'delete create render props children string number boolean null undefined true false'
).split(' ')

const SLOTS = [
  { dir: 'lib', exts: ['.ts', '.ts', '.ts', '.md'] },
  { dir: 'components/ui', exts: ['.tsx', '.tsx', '.css'] },
  { dir: 'components/forms', exts: ['.tsx', '.css'] },
  { dir: 'utils', exts: ['.ts', '.js'] },
  { dir: 'api/handlers', exts: ['.ts', '.json'] },
  { dir: 'test', exts: ['.test.ts'] },
]

/** Text of roughly `size` bytes that looks like code, comments or prose depending on `ext`. */
function textOf(rand, size, ext, label) {
  const lines = [ext === '.md' ? `# ${label}` : `// ${label}`]
  let length = lines[0].length + 1
  while (length < size) {
    const n = 3 + Math.floor(rand() * 9)
    const words = []
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)])
    const indent = '  '.repeat(Math.floor(rand() * 3))
    const line =
      ext === '.json'
        ? `  "${words[0]}${lines.length}": "${words.slice(1).join(' ')}",`
        : ext === '.css'
          ? `.${words[0]}-${lines.length} { margin: ${Math.floor(rand() * 32)}px; }`
          : `${indent}${words.join(' ')}${rand() < 0.5 ? ` = ${Math.floor(rand() * 1e6)}` : ''}`
    lines.push(line)
    length += line.length + 1
  }
  const body = `${lines.join('\n')}\n`
  return ext === '.json' ? `{\n${body}  "end": true\n}\n` : body
}

/** 0.2–4 KB, skewed towards small files like a real source tree. */
const textSize = (rand) => 200 + Math.floor(rand() * rand() * 3900)

function write(root, rel, content) {
  const file = path.join(root, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
}

function projectJson() {
  const stages = Array.from({ length: 8 }, (_, i) => ({
    id: `S${i + 1}`,
    epicId: `E${Math.floor(i / 3) + 1}`,
    name: `Stage ${i + 1}`,
    status: i < 3 ? 'completed' : i === 3 ? 'in_progress' : 'pending',
    dependsOn: i === 0 ? [] : [`S${i}`],
    stories: Array.from({ length: 5 }, (_, j) => ({
      id: `S${i + 1}-US-00${j + 1}`,
      title: `Story ${j + 1} of stage ${i + 1}`,
      priority: j + 1,
      passes: i < 3,
      attempts: i < 3 ? 1 : 0,
      completedAt: i < 3 ? '2025-01-01T00:00:00.000Z' : null,
    })),
    startedAt: i <= 3 ? '2025-01-01T00:00:00.000Z' : null,
    completedAt: i < 3 ? '2025-01-02T00:00:00.000Z' : null,
    testedAt: i < 3 ? '2025-01-02T00:00:00.000Z' : null,
    feedbackLoop: { iterations: 0, status: 'pending', history: [], approvedAt: null },
  }))
  const doc = {
    project: {
      name: 'bench-project',
      description: 'synthetic repository for cpo benchmarks',
      version: '0.1.0',
      createdAt: '2025-01-01T00:00:00.000Z',
      status: 'in_progress',
    },
    productDefinition: { techStack: { database: 'postgres', orm: 'drizzle', hosting: 'vercel' } },
    epics: [1, 2, 3].map((e) => ({
      id: `E${e}`,
      name: `Epic ${e}`,
      status: e === 1 ? 'completed' : e === 2 ? 'in_progress' : 'pending',
      dependsOn: [],
      stages: stages.filter((s) => s.epicId === `E${e}`).map((s) => s.id),
    })),
    stages,
    currentStage: 'S4',
    currentPhase: 3,
    verification: { typecheck: 'tsc', test: 'vitest', lint: 'biome', build: 'vite', e2e: '' },
    repository: { url: null, branch: 'main', lastCommit: null },
    progress: {
      phase: 'execution',
      completedEpics: 1,
      completedStages: 3,
      completedStories: 15,
      totalEpics: 3,
      totalStages: 8,
      totalStories: 40,
    },
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** Environment for every command of the benchmark: no user or system git config leaks in. */
export function benchEnv() {
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
  }
}

export function git(root, args, input) {
  return execFileSync('git', args, {
    cwd: root,
    env: benchEnv(),
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

const EXTRA_TRACKED = 3 // .gitignore, master-project.json, README.md
const BINARIES = 4

/**
 * Writes `count` tracked files (plus ignored node_modules/) into `root` and commits them: one
 * initial commit and three more that each touch ~50 files. Returns the list of tracked text files.
 */
export function buildRepo(root, count) {
  const rand = prng(0xc0ffee)
  mkdirSync(root, { recursive: true })
  const files = []
  const regular = Math.max(1, count - EXTRA_TRACKED - BINARIES)
  let dirIndex = 0
  let inDir = 0
  let dirSize = 0
  let dir = ''
  let slot = SLOTS[0]
  for (let i = 0; i < regular; i++) {
    if (inDir >= dirSize) {
      const mod = Math.floor(dirIndex / SLOTS.length)
      slot = SLOTS[dirIndex % SLOTS.length]
      dir = `src/mod-${String(mod).padStart(3, '0')}/${slot.dir}`
      dirSize = 8 + Math.floor(rand() * 25)
      inDir = 0
      dirIndex++
    }
    const ext = slot.exts[Math.floor(rand() * slot.exts.length)]
    const rel = `${dir}/${WORDS[Math.floor(rand() * WORDS.length)]}-${i}${ext}`
    write(root, rel, textOf(rand, textSize(rand), ext, rel))
    files.push(rel)
    inDir++
  }
  for (let b = 0; b < BINARIES; b++) {
    const bytes = Buffer.alloc(1024 * 1024 + Math.floor(rand() * 65536))
    for (let k = 0; k + 4 <= bytes.length; k += 4) bytes.writeUInt32LE((rand() * 2 ** 32) >>> 0, k)
    write(root, `assets/blob-${b}.bin`, bytes)
  }
  write(root, '.gitignore', 'node_modules/\ndist/\n*.log\n')
  write(root, 'master-project.json', projectJson())
  write(root, 'README.md', '# bench-project\n\nSynthetic repository for cpo benchmarks.\n')
  for (let p = 0; p < 40; p++) {
    const pkg = `node_modules/pkg-${p}`
    write(root, `${pkg}/package.json`, `{ "name": "pkg-${p}", "version": "1.0.${p}" }\n`)
    for (let k = 0; k < 5; k++) write(root, `${pkg}/lib/f${k}.js`, textOf(rand, 600, '.js', pkg))
  }
  write(root, 'debug.log', 'ignored log file\n')

  git(root, ['init', '-q', '-b', 'main'])
  git(root, ['config', 'user.name', 'Bench'])
  git(root, ['config', 'user.email', 'bench@example.com'])
  git(root, ['config', 'gc.auto', '0'])
  git(root, ['config', 'commit.gpgsign', 'false'])
  git(root, ['add', '-A'])
  git(root, ['commit', '-q', '-m', 'feat: initial import'])
  for (let c = 1; c <= 3; c++) {
    for (let k = 0; k < 50; k++) {
      const rel = files[Math.floor(rand() * files.length)]
      write(root, rel, textOf(rand, textSize(rand), path.extname(rel), `${rel} v${c}`))
    }
    git(root, ['add', '-A'])
    git(root, ['commit', '-q', '-m', `feat(stage-${c}): stage ${c} work`])
  }
  return files
}

/**
 * The "clean-ish" tree every measurement starts from: ~20 tracked files modified, ~10 untracked
 * files added, 2 tracked files deleted.
 */
export function dirtyTree(root, files) {
  const rand = prng(0xbadcafe)
  const pick = () => files[Math.floor(rand() * files.length)]
  const touched = new Set()
  while (touched.size < 22) touched.add(pick())
  const [del1, del2, ...modified] = [...touched]
  for (const rel of modified) {
    write(root, rel, textOf(rand, textSize(rand), path.extname(rel), `${rel} edited`))
  }
  rmSync(path.join(root, del1))
  rmSync(path.join(root, del2))
  for (let u = 0; u < 10; u++) {
    const rel = `${path.dirname(pick())}/untracked-${u}.ts`
    write(root, rel, textOf(rand, textSize(rand), '.ts', rel))
  }
  return { modified: modified.length, deleted: 2, untracked: 10, touched }
}

/**
 * A small change on top of the clean-ish tree: 5 files modified, 2 added, 1 deleted. Restoring a
 * snapshot taken before it (and undoing that restore) touches exactly these 8 paths.
 */
export function smallChange(root, files, exclude) {
  const rand = prng(0x5eed)
  const chosen = new Set()
  while (chosen.size < 6) {
    const rel = files[Math.floor(rand() * files.length)]
    if (!exclude.has(rel)) chosen.add(rel)
  }
  const [gone, ...edited] = [...chosen]
  rmSync(path.join(root, gone), { force: true })
  for (const rel of edited) {
    write(root, rel, textOf(rand, textSize(rand), path.extname(rel), `${rel} small change`))
  }
  write(root, 'src/new-feature/index.ts', textOf(rand, 900, '.ts', 'new feature'))
  write(root, 'src/new-feature/notes.md', textOf(rand, 400, '.md', 'notes'))
  return { modified: edited.length, added: 2, deleted: 1 }
}
