import * as z from 'zod/mini'
import '../zod-setup.js'

/** A stage loop's `prd.json` as the CPO workflow writes it; unknown fields are kept. */
export const prdStorySchema = z.looseObject({
  id: z.string(),
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  acceptanceCriteria: z.optional(z.array(z.string())),
  priority: z.optional(z.number()),
  passes: z.optional(z.boolean()),
  notes: z.optional(z.string()),
  attempts: z.optional(z.number()),
})

export const prdFileSchema = z.looseObject({
  project: z.optional(z.string()),
  branchName: z.optional(z.string()),
  description: z.optional(z.string()),
  userStories: z.array(prdStorySchema),
})
