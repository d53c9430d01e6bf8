// The JSONL ledger's kept responses as forwarded records (record.ts). The ledger calls back on every new
// response, better copy and added content (Ledger.onChange); the feed passes a record on only when what
// it forwards changed, under the response's stable id. A satellite's forwarder sends them to the hub; the
// hub feeds its own transcripts into the union the same way, so one response read on two machines is one.

import { type Entry, estimateThinking } from '../sources/jsonl/ledger.js';
import { anonymousResponseIdOf, type ForwardRecord, responseIdOf } from './record.js';

/** What was last passed on for an entry: its id and the values forwarded under it. */
interface Sent {
  id: string;
  values: string;
}

function valuesOf(e: Entry): string {
  return `${e.ts}|${e.input}|${e.output}|${e.cacheCreation}|${e.cacheRead}|${e.model}|${e.sidechain}|${estimateThinking(e)}`;
}

export class LedgerFeed {
  private readonly sent = new WeakMap<Entry, Sent>();
  /** Entries without a message id, by their values: how many of them have an id already. */
  private readonly anonymous = new Map<string, number>();
  private readonly anonymousIds = new WeakMap<Entry, string>();

  /** `machineId`: the ids of responses without a message id are this machine's own (record.ts). */
  constructor(private readonly machineId: string) {}

  /** The entry's current id: of its kept copy's message and request ids. */
  private idOf(e: Entry): string {
    if (e.messageId !== null) return responseIdOf(e.messageId, e.requestId);
    let id = this.anonymousIds.get(e);
    if (id === undefined) {
      // Such entries never change (nothing dedupes them): the nth of identical values is the nth id.
      const values = valuesOf(e);
      const nth = this.anonymous.get(values) ?? 0;
      this.anonymous.set(values, nth + 1);
      id = anonymousResponseIdOf(this.machineId, values, nth);
      this.anonymousIds.set(e, id);
    }
    return id;
  }

  /**
   * What to forward for `e` now: nothing when it was passed on with these values already (`onlyChanged`),
   * else its record, after a retraction of the id it had when that changed (its kept copy is now another
   * request's). The entry is then taken as passed on.
   */
  records(e: Entry, onlyChanged = true): ForwardRecord[] {
    const id = this.idOf(e);
    const values = valuesOf(e);
    const prev = this.sent.get(e);
    if (onlyChanged && prev !== undefined && prev.id === id && prev.values === values) return [];
    this.sent.set(e, { id, values });
    const record: ForwardRecord = {
      id,
      ts: e.ts,
      model: e.model,
      input: e.input,
      output: e.output,
      cacheRead: e.cacheRead,
      cacheCreation: e.cacheCreation,
      thinking: estimateThinking(e),
      sidechain: e.sidechain,
    };
    if (prev === undefined || prev.id === id) return [record];
    return [
      {
        ...record,
        id: prev.id,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheCreation: 0,
        thinking: 0,
        retracted: true,
      },
      record,
    ];
  }
}
