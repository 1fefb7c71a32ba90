import {
  decide,
  foldAccountStream,
  LedgerError,
  toEventRecord,
  type AccountCommand,
  type AccountMergePolicy,
  type AccountState,
} from '@geode/ledger';
import { planMerge, planOperatorMerge, type MergePolicy } from '@geode/merge';
import { SeededRandom } from './seeded-random';

/** An event as a simulated geode holds it: the store's envelope, in memory. */
export interface SimEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Record<string, unknown>;
  readonly dot: { readonly region: string; readonly n: number };
  readonly deps: Readonly<Record<string, number>>;
  readonly hlc: { readonly wallMs: number; readonly logical: number };
}

interface Delivery {
  readonly to: string;
  readonly event: SimEvent;
  readonly at: number;
}

interface SimRegion {
  readonly name: string;
  readonly events: Map<string, SimEvent>;
  /** Per origin, the highest dot applied: replication applies each origin's log in order, without gaps. */
  readonly applied: Map<string, number>;
  /** Per origin, events that arrived ahead of their turn (a real puller would re-pull them). */
  readonly early: Map<string, SimEvent[]>;
  hlc: { wallMs: number; logical: number };
  skewMs: number;
  crashedUntil: number;
}

export interface WorldOptions {
  regions: readonly string[];
  steps: number;
  policy: AccountMergePolicy;
}

/**
 * Several geodes holding one account stream, driven by a seed: random
 * commands decided on each region's own (possibly stale) state, replication
 * with random delay, reordering across origins, duplication, crashes, and the
 * home region's merger. Everything is in memory and deterministic per seed.
 */
export class SimulatedWorld {
  readonly random: SeededRandom;
  readonly regions = new Map<string, SimRegion>();
  readonly streamId = 'account-sim';
  readonly accountId = 'sim';
  readonly home: string;
  private readonly policy: MergePolicy<AccountState, SimEvent>;
  private inFlight: Delivery[] = [];
  private now = 0;
  private ids = 0;
  /** Operator resolutions made (manual forks). */
  manualMerges = 0;

  constructor(
    seed: number,
    private readonly options: WorldOptions,
  ) {
    this.random = new SeededRandom(seed);
    this.policy = options.policy;
    for (const name of options.regions)
      this.regions.set(name, {
        name,
        events: new Map(),
        applied: new Map(),
        early: new Map(),
        hlc: { wallMs: 0, logical: 0 },
        skewMs: this.random.int(50) - 25,
        crashedUntil: 0,
      });
    this.home = this.random.pick(options.regions);
  }

  run(): void {
    this.decideIn(this.home, this.openCommand('Ada'));
    // Sometimes a second region opens the same account before it hears of the first.
    if (this.random.chance(0.05)) {
      const other = this.random.pick(this.options.regions.filter((r) => r !== this.home));
      this.decideIn(other, this.openCommand(this.random.chance(0.5) ? 'Ada' : 'Bob'));
    }
    for (let step = 0; step < this.options.steps; step++) {
      this.now += 1 + this.random.int(5);
      const roll = this.random.next();
      if (roll < 0.45) this.decideRandomCommand();
      else if (roll < 0.8) this.deliverSome();
      else if (roll < 0.9) this.runMerger();
      else this.crashSomeone();
    }
    this.quiesce();
  }

  eventsOf(region: string): SimEvent[] {
    return [...this.regions.get(region)!.events.values()];
  }

  stateOf(region: string): AccountState {
    return foldAccountStream(this.eventsOf(region), { onUnreadable: 'throw' });
  }

  /** Heal everything, deliver everything, merge until nothing is forked. */
  private quiesce(): void {
    for (const region of this.regions.values()) region.crashedUntil = 0;
    for (let round = 0; round < 50; round++) {
      this.now += 1_000;
      this.deliverAll();
      const merged = this.runMerger();
      if (!merged && this.inFlight.length === 0) return;
    }
    throw new Error('the world did not quiesce within 50 rounds');
  }

  private decideRandomCommand(): void {
    const live = [...this.regions.values()].filter((r) => r.crashedUntil <= this.now);
    if (live.length === 0) return;
    const region = this.random.pick(live).name;
    const state = this.stateOf(region);
    if (state.status === 'not-opened') return;
    const amount = BigInt(1 + this.random.int(state.balance > 0n ? Number(state.balance) : 100));
    const choices: AccountCommand['type'][] = [
      'DepositFunds',
      'WithdrawFunds',
      'WithdrawFunds',
      'FreezeAccount',
      'UnfreezeAccount',
      'CloseAccount',
      'ChangeOwnerDetails',
      'AddTag',
      'RemoveTag',
    ];
    const type = this.random.pick(choices);
    const tag = this.random.pick(['vip', 'gold', 'watch']);
    const data =
      type === 'DepositFunds' || type === 'WithdrawFunds'
        ? { accountId: this.accountId, amount }
        : type === 'ChangeOwnerDetails'
          ? { accountId: this.accountId, ownerName: this.random.pick(['Ada', 'Grace', 'Edsger']) }
          : type === 'AddTag' || type === 'RemoveTag'
            ? { accountId: this.accountId, tag }
            : type === 'FreezeAccount'
              ? { accountId: this.accountId, reason: 'review' }
              : { accountId: this.accountId };
    this.decideIn(region, { type, data, metadata: this.metadata(region) } as AccountCommand);
  }

  private openCommand(ownerName: string): AccountCommand {
    return {
      type: 'OpenAccount',
      data: { accountId: this.accountId, ownerName, currency: 'EUR', homeRegion: this.home },
      metadata: this.metadata(this.home),
    };
  }

  private decideIn(regionName: string, command: AccountCommand): void {
    const region = this.regions.get(regionName)!;
    const metadata = { ...command.metadata, region: regionName };
    let events;
    try {
      events = decide({ ...command, metadata }, this.stateOf(regionName));
    } catch (error) {
      if (error instanceof LedgerError) return; // refused: nothing written
      throw error;
    }
    for (const event of events) {
      const record = toEventRecord(event);
      this.appendLocal(region, { ...record, data: record.data });
    }
  }

  /** What the store's append does: the next dot, deps = everything held, an HLC tick. */
  private appendLocal(
    region: SimRegion,
    proposed: {
      eventId: string;
      type: string;
      schemaVersion: number;
      data: Record<string, unknown>;
    },
    deps?: Readonly<Record<string, number>>,
  ): SimEvent | null {
    if (region.events.has(proposed.eventId)) return null; // idempotent by event id
    const held = this.eventsOf(region.name);
    const own = held.filter((e) => e.dot.region === region.name).length;
    const vector: Record<string, number> = {};
    for (const e of held) vector[e.dot.region] = Math.max(vector[e.dot.region] ?? 0, e.dot.n);
    const event: SimEvent = {
      ...proposed,
      streamId: this.streamId,
      dot: { region: region.name, n: own + 1 },
      deps: deps ?? vector,
      hlc: this.tick(region),
    };
    region.events.set(event.eventId, event);
    region.applied.set(region.name, event.dot.n);
    this.broadcast(region.name, event);
    return event;
  }

  private broadcast(from: string, event: SimEvent): void {
    for (const to of this.regions.keys()) {
      if (to === from) continue;
      const copies = this.random.chance(0.1) ? 2 : 1;
      for (let i = 0; i < copies; i++)
        this.inFlight.push({ to, event, at: this.now + 1 + this.random.int(40) });
    }
  }

  private deliverSome(): void {
    const due = this.inFlight.filter((d) => d.at <= this.now);
    if (due.length === 0) return;
    // Any due delivery, in random order: origins interleave arbitrarily.
    for (let i = 0; i < 1 + this.random.int(4) && due.length > 0; i++) {
      const delivery = due.splice(this.random.int(due.length), 1)[0];
      if (this.receive(delivery)) this.inFlight.splice(this.inFlight.indexOf(delivery), 1);
    }
  }

  private deliverAll(): void {
    while (this.inFlight.length > 0) {
      const delivery = this.inFlight.splice(this.random.int(this.inFlight.length), 1)[0];
      if (!this.receive(delivery)) throw new Error('a live region refused a delivery');
    }
  }

  /** false: the region is down, the delivery stays in flight (the puller retries). */
  private receive({ to, event }: Delivery): boolean {
    const region = this.regions.get(to)!;
    if (region.crashedUntil > this.now) return false;
    const origin = event.dot.region;
    const early = region.early.get(origin) ?? [];
    if (!early.some((e) => e.eventId === event.eventId)) early.push(event);
    region.early.set(origin, early);
    // Apply this origin's events in order, as far as they are contiguous.
    for (;;) {
      const next = (region.applied.get(origin) ?? 0) + 1;
      const index = early.findIndex((e) => e.dot.n === next);
      if (index < 0) break;
      const [ready] = early.splice(index, 1);
      region.events.set(ready.eventId, ready);
      region.applied.set(origin, next);
      this.observe(region, ready.hlc);
    }
    region.early.set(
      origin,
      early.filter((e) => e.dot.n > (region.applied.get(origin) ?? 0)),
    );
    return true;
  }

  /**
   * The home region's merger: plans a merge for the stream and appends it; a
   * manual fork is resolved by an operator there. Sometimes two processes race
   * and both append: the deterministic id makes the second a no-op.
   */
  private runMerger(): boolean {
    const home = this.regions.get(this.home)!;
    if (home.crashedUntil > this.now) return false;
    const events = this.eventsOf(this.home);
    const plan = planMerge(this.policy, this.streamId, events, this.home);
    if (plan.kind === 'no-fork' || plan.kind === 'incomplete') return false;
    const merge = plan.kind === 'merge' ? plan.merge : this.operatorMerge(events);
    const racers = this.random.chance(0.2) ? 2 : 1;
    let appended = 0;
    for (let i = 0; i < racers; i++) {
      const data = merge.data as unknown as Record<string, unknown>;
      const event = this.appendLocal(home, { ...merge, data }, merge.deps);
      if (event) appended += 1;
    }
    if (appended !== 1) throw new Error(`a merge was appended ${appended} times`);
    return true;
  }

  private operatorMerge(events: SimEvent[]) {
    const resolution = planOperatorMerge(this.policy, this.streamId, events, {
      outcome: { reopen: false },
      operator: 'ops@example.com',
      reason: 'kept the earliest opening',
      region: this.home,
    });
    if (!resolution.ok) throw new Error(`operator merge refused: ${resolution.detail}`);
    this.manualMerges += 1;
    return resolution.merge;
  }

  private crashSomeone(): void {
    const region = this.random.pick([...this.regions.values()]);
    region.crashedUntil = this.now + 5 + this.random.int(60);
  }

  private metadata(region: string) {
    return {
      eventId: this.nextId(),
      at: new Date(Date.UTC(2026, 0, 1) + this.now * 1000).toISOString(),
      region,
    };
  }

  private nextId(): string {
    const n = (++this.ids).toString(16).padStart(12, '0');
    const s = (this.random.seed >>> 0).toString(16).padStart(8, '0');
    return `${s}-0000-4000-8000-${n}`;
  }

  private tick(region: SimRegion): { wallMs: number; logical: number } {
    const physical = this.now * 10 + 1_000 + region.skewMs;
    region.hlc =
      physical > region.hlc.wallMs
        ? { wallMs: physical, logical: 0 }
        : { wallMs: region.hlc.wallMs, logical: region.hlc.logical + 1 };
    return region.hlc;
  }

  private observe(region: SimRegion, remote: { wallMs: number; logical: number }): void {
    const { wallMs, logical } = region.hlc;
    if (remote.wallMs > wallMs || (remote.wallMs === wallMs && remote.logical > logical))
      region.hlc = { ...remote };
  }
}
