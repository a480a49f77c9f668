/** A realistic master-project.json (shape of test/fixtures/projects): S2 and S3 run in parallel. */
export function projectJson(verification: Record<string, string> = {}): string {
  const stage = (
    id: string,
    epicId: string,
    name: string,
    dependsOn: string[],
    stories: string[],
  ) => ({
    id,
    epicId,
    name,
    status: 'pending',
    dependsOn,
    stories: stories.map((title, i) => ({
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
  })
  const project = {
    project: {
      name: 'Pantry Planner',
      description: 'Meal planning for households',
      version: '0.1.0',
      createdAt: '2025-03-02T09:14:00.000Z',
      status: 'in_progress',
    },
    productDefinition: {
      techStack: { frontend: 'Next.js', database: 'PostgreSQL', orm: 'Prisma', hosting: 'Vercel' },
    },
    epics: [
      { id: 'E1', name: 'Foundation', status: 'pending', dependsOn: [], stages: ['S1'] },
      { id: 'E2', name: 'Planning', status: 'pending', dependsOn: ['E1'], stages: ['S2', 'S3'] },
    ],
    stages: [
      stage('S1', 'E1', 'Project setup', [], ['Scaffold the app']),
      stage('S2', 'E2', 'Recipes', ['S1'], ['Add a recipe', 'List recipes']),
      stage('S3', 'E2', 'Shopping list', ['S1'], ['Build the list']),
    ],
    currentStage: null,
    currentPhase: 3,
    verification: { typecheck: '', test: '', lint: '', build: '', e2e: '', ...verification },
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
  return `${JSON.stringify(project, null, 2)}\n`
}

/** Timestamps vary per run: replace them so whole documents can be compared exactly. */
export function withoutTimes(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value).replace(/"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/g, '"<time>"'),
  )
}
