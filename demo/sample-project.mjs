// The sample CPO project the demo works on: a small app mid-way through stage-by-stage execution,
// with the state file and progress log the CPO workflow writes.

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
    { id: 'E1', name: 'Foundation', status: 'completed', dependsOn: [], stages: ['S1', 'S2'] },
    { id: 'E2', name: 'Budgets', status: 'in_progress', dependsOn: ['E1'], stages: ['S3'] },
  ],
  stages: [
    stage('S1', 'E1', 'Setup & CI', 'tested', [], ['Repository and CI', 'Lint and typecheck']),
    stage('S2', 'E1', 'Accounts', 'tested', ['S1'], ['Sign up', 'Sign in']),
    stage('S3', 'E2', 'Budgets', 'in_progress', ['S2'], ['Create a budget', 'Monthly limits']),
  ],
  currentStage: { id: 'S3', name: 'Budgets', totalStories: 2 },
  currentPhase: 3,
  verification: { typecheck: 'npm run typecheck', test: 'npm test', lint: '', build: '', e2e: '' },
  repository: { url: null, branch: 'main', lastCommit: null },
  progress: {
    phase: 'execution',
    completedEpics: 1,
    completedStages: 2,
    completedStories: 4,
    totalEpics: 2,
    totalStages: 3,
    totalStories: 6,
  },
}

function stage(id, epicId, name, status, dependsOn, titles) {
  const done = status === 'tested'
  return {
    id,
    epicId,
    name,
    status,
    dependsOn,
    stories: titles.map((title, i) => ({
      id: `${id}-US-00${i + 1}`,
      title,
      priority: i + 1,
      passes: done,
      attempts: done ? 1 : 0,
      completedAt: done ? '2026-11-22T15:00:00.000Z' : null,
    })),
    startedAt: '2026-11-21T09:00:00.000Z',
    completedAt: done ? '2026-11-22T15:00:00.000Z' : null,
    testedAt: done ? '2026-11-22T15:10:00.000Z' : null,
    feedbackLoop: {
      iterations: done ? 1 : 0,
      status: done ? 'approved' : 'pending',
      history: [],
      approvedAt: null,
    },
  }
}

export const progressLog = `# CPO Progress Log

### 2026-11-21 - Stage S1: Setup & CI COMPLETE
- Repository, CI pipeline, lint and typecheck in place.

### 2026-11-22 - Stage S2: Accounts COMPLETE
- Sign up and sign in with sessions.
`

/** Commits that look like the workflow's own history. */
export const history = [
  {
    message: 'feat(stage-1): Setup & CI',
    files: {
      'package.json': '{\n  "name": "ledgerly",\n  "private": true\n}\n',
      '.gitignore': 'node_modules/\n.env\n*.log\n',
      'src/index.ts': "export const app = 'ledgerly'\n",
    },
  },
  {
    message: 'feat(S2-US-001): Sign up',
    files: {
      'src/accounts/signup.ts': 'export function signUp(email: string) {\n  return { email }\n}\n',
    },
  },
  {
    message: 'feat(S2-US-002): Sign in',
    files: {
      'src/accounts/signin.ts':
        'export function signIn(email: string) {\n  return email.length > 0\n}\n',
    },
  },
]
