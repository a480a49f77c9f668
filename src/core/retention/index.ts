export { bucketKey, isoWeek } from './buckets.js'
export { planRetention } from './plan.js'
export {
  describePolicy,
  formatOffset,
  isEmptyPolicy,
  parsePolicy,
  UNLIMITED,
  validateOffset,
  validatePolicy,
} from './policy.js'
export type {
  CalendarRule,
  PolicyKey,
  RetentionBackup,
  RetentionEntry,
  RetentionOptions,
  RetentionPlan,
  RetentionPolicy,
} from './types.js'
export { CALENDAR_RULES } from './types.js'
