import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { McpServer, type ServerContext } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import * as z from 'zod'
import { openRepo } from '../adapters/repo.js'
import { repoFingerprint } from '../adapters/repo-fingerprint.js'
import type { GlobalOptions } from '../cli/options.js'
import {
  type CommandOutput,
  type Envelope,
  envelopeOf,
  errorBody,
  toCpoError,
} from '../cli/output.js'
import { CpoError } from '../errors.js'
import { VERSION } from '../version.js'
import { describedCommand, TOOLS, type ToolSpec } from './tools.js'

/** Every tool answers with the CLI's --json envelope (ok and data, or ok:false and error). */
const ENVELOPE = z.object({
  ok: z.boolean(),
  data: z.unknown().optional(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      hint: z.string().nullable(),
      details: z.unknown().optional(),
    })
    .optional(),
})

const COMMON = {
  root: z
    .string()
    .optional()
    .describe('the repository to work in (default: the directory the server was started for)'),
}
const TWO_STEP = {
  confirm: z
    .boolean()
    .optional()
    .describe('true to run the plan a first call returned (with its planId)'),
  planId: z.string().optional().describe('the planId the first call returned'),
}

interface PendingPlan {
  tool: string
  args: string
  root: string
  fingerprint: string
}

export interface McpOptions {
  root: string
  wait: number | undefined
}

/**
 * `cpo mcp`: the second front door (ARCHITECTURE.md §2 layout). Tools are the CLI's commands;
 * destructive ones are two-step and refuse a plan whose repository changed since.
 */
export function createServer(options: McpOptions): McpServer {
  const server = new McpServer({ name: 'cpo', version: VERSION })
  const plans = new Map<string, PendingPlan>()

  for (const tool of TOOLS) {
    const input = z.object({ ...COMMON, ...(tool.twoStep ? TWO_STEP : {}), ...tool.input })
    server.registerTool(
      tool.name,
      {
        description: tool.twoStep
          ? `${tool.description} Call without confirm to get the plan and a planId; call again with the same arguments plus confirm: true and planId to run it (refused if the repository changed meanwhile).`
          : tool.description,
        inputSchema: input,
        outputSchema: ENVELOPE,
        annotations: {
          readOnlyHint:
            tool.twoStep === undefined &&
            /list|show|status|timeline|log|verify|diagnose|bisect|^check$|^env_diff$/.test(
              tool.name,
            ),
          destructiveHint: tool.twoStep !== undefined,
        },
      },
      async (args: Record<string, unknown>, ctx: ServerContext) => {
        const envelope = await call(tool, args, ctx)
        return {
          content: [{ type: 'text' as const, text: JSON.stringify(envelope, null, 2) }],
          structuredContent: envelope as unknown as Record<string, unknown>,
          ...(envelope.ok ? {} : { isError: true }),
        }
      },
    )
  }

  for (const [name, uri, description, tool] of [
    ['timeline', 'cpo://timeline', 'Phases, stages and deploys with their checkpoints', 'timeline'],
    ['operation-log', 'cpo://log', 'Operations, newest first, with ids for undo', 'log'],
    ['checkpoints', 'cpo://checkpoints', 'Checkpoints a rollback can return to', 'checkpoint_list'],
  ] as const) {
    server.registerResource(name, uri, { description, mimeType: 'application/json' }, async () => {
      const spec = TOOLS.find((t) => t.name === tool)
      const envelope = spec ? await invoke(spec, globals(options.root), {}, false) : null
      return {
        contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(envelope, null, 2) }],
      }
    })
  }

  async function call(
    tool: ToolSpec,
    args: Record<string, unknown>,
    ctx: ServerContext,
  ): Promise<Envelope> {
    const root = path.resolve(options.root, (args.root as string | undefined) ?? '.')
    const g = globals(root)
    const progress = tool.long ? progressOf(ctx, tool.name) : undefined
    progress?.step('started')
    try {
      if (!tool.twoStep) return await invoke(tool, g, args, false, progress?.step)
      const key = argsKey(args)
      if (args.confirm !== true) {
        const planned =
          tool.twoStep === 'dry-run'
            ? await invoke(tool, g, args, true)
            : ({
                ok: true,
                data: { dryRun: true, plan: { command: describedCommand(tool, args) } },
              } as Envelope)
        if (!planned.ok) return planned
        const planId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
        const fingerprint = await repoFingerprint(await openRepo(root))
        plans.set(planId, { tool: tool.name, args: key, root, fingerprint })
        const data = planned.data as Record<string, unknown>
        return { ok: true, data: { ...data, planId, confirmWith: { confirm: true, planId } } }
      }
      const plan = typeof args.planId === 'string' ? plans.get(args.planId) : undefined
      if (!plan) return refuse('PLAN_NOT_FOUND', 'no such plan (it ran already or never existed)')
      if (plan.tool !== tool.name || plan.args !== key || plan.root !== root) {
        return refuse('PLAN_MISMATCH', `plan ${args.planId} was made for other arguments`)
      }
      if ((await repoFingerprint(await openRepo(root))) !== plan.fingerprint) {
        plans.delete(args.planId as string)
        return refuse(
          'PLAN_STALE',
          'the repository changed since the plan was made (HEAD, index or work tree); nothing was run',
        )
      }
      plans.delete(args.planId as string)
      return await invoke(tool, { ...g, yes: true }, args, false, progress?.step)
    } finally {
      await progress?.done()
    }
  }

  function globals(cwd: string): GlobalOptions {
    return { json: true, cwd, yes: false, wait: options.wait, interactive: false }
  }

  return server
}

async function invoke(
  tool: ToolSpec,
  g: GlobalOptions,
  args: Record<string, unknown>,
  dryRun: boolean,
  progress?: (message: string) => void,
): Promise<Envelope> {
  let out: CommandOutput
  try {
    out = await tool.run(g, args, dryRun, progress)
  } catch (e) {
    return { ok: false, error: errorBody(toCpoError(e)) }
  }
  return envelopeOf(out).envelope
}

function refuse(code: string, message: string): Envelope {
  return {
    ok: false,
    error: errorBody(
      new CpoError(code, 'conflict', message, {
        hint: 'Call the tool again without confirm to get a fresh plan and planId.',
      }),
    ),
  }
}

/** The arguments that define a plan: everything but the confirmation itself. */
function argsKey(args: Record<string, unknown>): string {
  const { confirm: _c, planId: _p, ...rest } = args
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  )
}

/**
 * Progress for a call that asked for it (a progressToken): one notification when the tool
 * starts, one per step the command reports (each check of diagnose, each probe of bisect), and
 * the last with `progress == total`. Notifications are sent in order; a lost one is no error.
 */
function progressOf(ctx: ServerContext, name: string) {
  const token = ctx.mcpReq._meta?.progressToken
  if (token === undefined) return undefined
  let sent = 0
  let chain = Promise.resolve()
  const send = (message: string, final: boolean) => {
    const progress = sent++
    chain = chain.then(() =>
      ctx.mcpReq
        .notify({
          method: 'notifications/progress',
          params: {
            progressToken: token,
            progress,
            ...(final ? { total: progress } : {}),
            message: `${name}: ${message}`,
          },
        })
        .catch(() => {}),
    )
  }
  return {
    step: (message: string) => send(message, false),
    done: () => {
      send('done', true)
      return chain
    },
  }
}

export async function serve(options: McpOptions): Promise<void> {
  // Connected, the server lives as long as stdin is open: the transport closes when the client
  // closes its end, and the process then exits by itself.
  await createServer(options).connect(new StdioServerTransport())
}
