// A ping running in the background from a VM while a failure happens, and the outage it saw:
// `ping -D -i 0.01` (root may go below 0.2 s), every reply timestamped by ping itself.
//
//   const p = startPing(nsName(lab, 'vm1'), '10.100.0.13');
//   ... break something, wait for recovery ...
//   const r = await p.stop();    // { sent, received, lost, maxGapMs, gapAt, ... }
//
// Outage = the largest gap between two consecutive replies (or between the start and the first
// reply, or the last reply and the stop): with replies every 10 ms, a gap of G ms means about
// G - 10 ms without forwarding.
import { spawn, type ChildProcess } from 'node:child_process';
import { LabError, waitFor } from '../proc.js';

export interface PingReply {
  readonly seq: number;
  /** when the reply arrived, ms since the epoch (ping's own -D timestamp) */
  readonly atMs: number;
}

export interface PingResult {
  readonly dst: string;
  readonly intervalMs: number;
  /** from ping's summary line (or the highest sequence seen when there is none) */
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  /** the largest gap between replies, in ms (including before the first and after the last) */
  readonly maxGapMs: number;
  /** when that gap began (ms since the epoch) */
  readonly gapStartMs: number;
  readonly replies: readonly PingReply[];
}

const REPLY_RE = /^\[(\d+\.\d+)\] \d+ bytes from \S+: icmp_seq=(\d+)/;
const SUMMARY_RE = /(\d+) packets transmitted, (\d+) received/;

/** ping -D output -> replies and the summary counts (pure). */
export function parsePingOutput(text: string): { replies: PingReply[]; sent: number | undefined; received: number | undefined } {
  const replies: PingReply[] = [];
  for (const line of text.split('\n')) {
    const m = REPLY_RE.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) replies.push({ seq: Number(m[2]), atMs: Number(m[1]) * 1000 });
  }
  const s = SUMMARY_RE.exec(text);
  return { replies, sent: s?.[1] === undefined ? undefined : Number(s[1]), received: s?.[2] === undefined ? undefined : Number(s[2]) };
}

/** The largest gap between consecutive replies within [startMs, endMs] (pure). */
export function largestGap(replies: readonly PingReply[], startMs: number, endMs: number): { gapMs: number; startMs: number } {
  let prev = startMs;
  let best = { gapMs: 0, startMs };
  for (const t of [...replies.map((r) => r.atMs).sort((a, b) => a - b), endMs]) {
    if (t - prev > best.gapMs) best = { gapMs: t - prev, startMs: prev };
    prev = Math.max(prev, t);
  }
  return best;
}

export interface PingRun {
  readonly pid: number;
  /** replies so far */
  replies(): PingReply[];
  /** resolves once `n` more replies than now have arrived (ERR_LAB_TIMEOUT after timeoutMs) */
  waitReplies(n: number, timeoutMs: number, what: string): Promise<void>;
  /** SIGINT (ping prints its summary), then the result */
  stop(): Promise<PingResult>;
}

/** Starts `ping -D -i interval dst` in namespace `ns`; the caller must stop() it (also in finally). */
export function startPing(ns: string, dst: string, opts: { readonly intervalS?: number } = {}): PingRun {
  const intervalS = opts.intervalS ?? 0.01;
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'ping', '-D', '-n', '-W', '1', '-i', String(intervalS), dst], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new LabError('ERR_LAB_COMMAND', `cannot start ping in ${ns}`);
  const startedMs = Date.now();
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', () => {});
  const replies = () => parsePingOutput(out).replies;
  return {
    pid: child.pid,
    replies,
    async waitReplies(n, timeoutMs, what) {
      const want = replies().length + n;
      await waitFor(() => replies().length >= want, { timeoutMs, intervalMs: 10, what });
    },
    async stop() {
      const endMs = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(t);
      const p = parsePingOutput(out);
      const received = p.received ?? p.replies.length;
      const sent = p.sent ?? Math.max(0, ...p.replies.map((r) => r.seq));
      const gap = largestGap(p.replies, startedMs, endMs);
      return { dst, intervalMs: intervalS * 1000, sent, received, lost: sent - received, maxGapMs: gap.gapMs, gapStartMs: gap.startMs, replies: p.replies };
    },
  };
}
