// Test support: drives the pure FSM with a fake clock made of its own timer actions, so tests
// advance time instead of waiting. Used by the FSM's unit tests (not by production code).
import { step } from './fsm.js';
import type { FsmAction, FsmEvent, FsmState, TimerName } from './types.js';

export class FsmDriver {
  state: FsmState;
  /** fake time in seconds */
  now = 0;
  readonly timers = new Map<TimerName, { readonly at: number; readonly seconds: number }>();
  /** every action since construction, in order */
  readonly log: FsmAction[] = [];

  constructor(state: FsmState) {
    this.state = state;
  }

  send(event: FsmEvent): FsmAction[] {
    const r = step(this.state, event);
    this.state = r.state;
    for (const a of r.actions) {
      if (a.type === 'start-timer') this.timers.set(a.timer, { at: this.now + a.seconds, seconds: a.seconds });
      if (a.type === 'stop-timer') this.timers.delete(a.timer);
    }
    this.log.push(...r.actions);
    return [...r.actions];
  }

  /** Move time forward, firing due timers in deadline order; returns the actions they caused. */
  advance(seconds: number): FsmAction[] {
    const end = this.now + seconds;
    const out: FsmAction[] = [];
    for (;;) {
      let next: [TimerName, number] | undefined;
      for (const [name, t] of this.timers) if (t.at <= end && (next === undefined || t.at < next[1])) next = [name, t.at];
      if (next === undefined) break;
      this.now = next[1];
      this.timers.delete(next[0]);
      out.push(...this.send({ type: 'timer-expired', timer: next[0] }));
    }
    this.now = end;
    return out;
  }

  running(timer: TimerName): number | undefined {
    return this.timers.get(timer)?.seconds;
  }
}

export const ofType = <T extends FsmAction['type']>(actions: readonly FsmAction[], type: T): Extract<FsmAction, { type: T }>[] =>
  actions.filter((a): a is Extract<FsmAction, { type: T }> => a.type === type);
