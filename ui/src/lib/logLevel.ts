// A log line's level, guessed from how common loggers write it: `level=error`,
// `"level":"warn"`, `[ERROR]`, `ERROR:`, ` WARN `, glog's `E1201 ...`, `panic:`. A line
// that says none of these has no level.

export type LogLevel = "error" | "warn" | "info" | "debug";

const WORDS: [RegExp, LogLevel][] = [
  [/^(?:fatal|panic|crit(?:ical)?|emerg(?:ency)?|alert|err(?:or)?|severe)$/i, "error"],
  [/^warn(?:ing)?$/i, "warn"],
  [/^(?:info|notice|information)$/i, "info"],
  [/^(?:debug|trace|verbose|dbg)$/i, "debug"],
];

function fromWord(word: string): LogLevel | null {
  for (const [re, level] of WORDS) if (re.test(word)) return level;
  return null;
}

// level=warn, lvl=ERROR, severity: info, "level":"debug", "severity": "ERROR"
const KEYED = /(?:^|[\s{,])"?(?:level|lvl|severity|loglevel|log\.level)"?\s*[=:]\s*"?([A-Za-z]+)/;
// [ERROR], <warn>, (INFO), |DEBUG|
const BRACKETED = /[[<(|]\s*([A-Za-z]{3,9})\s*[\]>)|]/;
// ERROR: ..., WARN ..., "2024-01-01 12:00:00 INFO ..." (an upper-case word on its own)
const BARE = /(?:^|[\s:\]])(FATAL|PANIC|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)(?=[\s:\]|,]|$)/;
// glog / klog: E1201 12:00:00.000000 ...
const GLOG = /^([EWID])\d{4} \d{2}:\d{2}:\d{2}/;
const PANIC = /^(?:panic:|Traceback \(most recent call last\)|Exception in thread|Uncaught )/;

/** The level a line says it is, or null. Only the line's first 300 characters are read. */
export function guessLevel(text: string): LogLevel | null {
  const head = text.length > 300 ? text.slice(0, 300) : text;
  const keyed = KEYED.exec(head);
  if (keyed) {
    const level = fromWord(keyed[1]);
    if (level) return level;
  }
  const glog = GLOG.exec(head);
  if (glog) return ({ E: "error", W: "warn", I: "info", D: "debug" } as const)[glog[1] as "E" | "W" | "I" | "D"];
  if (PANIC.test(head)) return "error";
  const bracketed = BRACKETED.exec(head);
  if (bracketed) {
    const level = fromWord(bracketed[1]);
    if (level) return level;
  }
  const bare = BARE.exec(head);
  return bare ? fromWord(bare[1]) : null;
}
