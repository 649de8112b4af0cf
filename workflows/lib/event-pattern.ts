/** An EventBridge event pattern, in the forms this project uses (matched locally by local/event-pattern.ts). */
export type EventPattern = { [field: string]: EventPattern | PatternValue[] };
export type PatternValue = string | number | boolean | null | { prefix?: string; suffix?: string; wildcard?: string; exists?: boolean; 'anything-but'?: unknown };
