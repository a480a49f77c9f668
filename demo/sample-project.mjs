// The sample CPO project the demo works on: "Ledgerly", right after planning, with the state file
// and progress log the CPO workflow writes, a tiny test suite, and the work of three stages.

export const masterProject = {
  project: {
    name: 'Ledgerly',
    description: 'Shared household budget app',
    version: '0.1.0',
    createdAt: '2026-11-20T09:00:00.000Z',
    status: 'in_progress',
  },
  productDefinition: {
    techStack: { database: 'SQLite', orm: 'Drizzle', hosting: 'Railway' },
  },
  epics: [
    { id: 'E1', name: 'Foundation', status: 'pending', dependsOn: [], stages: ['S1', 'S2'] },
    { id: 'E2', name: 'Budgets', status: 'pending', dependsOn: ['E1'], stages: ['S3'] },
  ],
  stages: [
    stage('S1', 'E1', 'Setup & CI', [], ['Repository and CI']),
    stage('S2', 'E1', 'Accounts', ['S1'], ['Sign up', 'Sign in']),
    stage('S3', 'E2', 'Budgets', ['S2'], ['Monthly totals']),
  ],
  currentStage: null,
  currentPhase: 3,
  verification: { typecheck: '', test: 'node tests/run.mjs', lint: '', build: '', e2e: '' },
  repository: { url: null, branch: 'main', lastCommit: null },
  progress: {
    phase: 'execution',
    completedEpics: 0,
    completedStages: 0,
    completedStories: 0,
    totalEpics: 2,
    totalStages: 3,
    totalStories: 4,
  },
}

function stage(id, epicId, name, dependsOn, titles) {
  return {
    id,
    epicId,
    name,
    status: 'pending',
    dependsOn,
    stories: titles.map((title, i) => ({
      id: `${id}-US-00${i + 1}`,
      title,
      priority: i + 1,
      passes: false,
      attempts: 0,
      completedAt: null,
    })),
    startedAt: null,
    completedAt: null,
    testedAt: null,
    feedbackLoop: { iterations: 0, status: 'pending', history: [], approvedAt: null },
  }
}

export const progressLog = `# CPO Progress Log

### 2026-11-20 - Planning COMPLETE
- Three stages in two epics; verification runs \`node tests/run.mjs\`.
`

/** Files present from the start: the app skeleton and its tests. */
export const skeleton = {
  '.gitignore': 'node_modules/\n.env\n*.log\n',
  'package.json': '{\n  "name": "ledgerly",\n  "private": true,\n  "type": "module"\n}\n',
  'src/money.mjs': 'export const add = (a, b) => a + b\n',
  'tests/run.mjs':
    "import assert from 'node:assert/strict'\nimport { add } from '../src/money.mjs'\n\nassert.equal(add(2, 3), 5)\nconsole.log('tests passed')\n",
}

/** Each stage's story commits, as the agent would make them. */
export const stageWork = {
  S1: [
    {
      message: 'feat(S1-US-001): Repository and CI',
      files: { '.ci.yml': 'test: node tests/run.mjs\n' },
    },
  ],
  S2: [
    {
      message: 'feat(S2-US-001): Sign up',
      files: { 'src/accounts/signup.mjs': 'export const signUp = (email) => ({ email })\n' },
    },
    {
      message: 'feat(S2-US-002): Sign in',
      files: { 'src/accounts/signin.mjs': 'export const signIn = (email) => email.length > 0\n' },
    },
  ],
  // Stage 3 "optimises" add() and breaks it: the tests catch it.
  S3: [
    {
      message: 'feat(S3-US-001): Monthly totals',
      files: {
        'src/budgets/totals.mjs':
          "import { add } from '../money.mjs'\nexport const total = (xs) => xs.reduce(add, 0)\n",
        'src/money.mjs': 'export const add = (a, b) => a - -b - 1\n',
      },
    },
  ],
}
