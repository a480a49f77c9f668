/** What replaces a secret in a redacted env template. It reads as a placeholder if parsed again. */
export const REDACTED = '<redacted>'
