// Relay paging for the tables that page on the server (customers, inventory, all monitors,
// approval requests, audit log): forward with first/after, back with last/before, and the page
// number for "page 3 of 12". A filter change calls reset(); <Pager> drives the rest.
export interface PageInfo {
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface PageVariables {
  first: number | null;
  after: string | null;
  last: number | null;
  before: string | null;
}

type PageArgs = { first: number; after?: string | null } | { last: number; before: string | null };

export class Paging {
  #args = $state<PageArgs>({ first: 0 });
  /** The page shown, from 1. */
  number = $state(1);

  constructor(readonly size: number) {
    this.#args = { first: size };
  }

  /** The connection arguments of the page shown (spread into the query's variables). */
  get variables(): PageVariables {
    const a = this.#args;
    return 'first' in a
      ? { first: a.first, after: a.after ?? null, last: null, before: null }
      : { first: null, after: null, last: a.last, before: a.before };
  }

  /** Back to the first page (a new filter or search). */
  reset(): void {
    this.#args = { first: this.size };
    this.number = 1;
  }

  next(info: PageInfo | null | undefined): void {
    this.#args = { first: this.size, after: info?.endCursor ?? null };
    this.number += 1;
  }

  previous(info: PageInfo | null | undefined): void {
    this.#args = { last: this.size, before: info?.startCursor ?? null };
    this.number = Math.max(1, this.number - 1);
  }

  get hasPrevious(): boolean {
    return this.number > 1;
  }

  /** A page reached backwards always has pages after it. */
  hasNext(info: PageInfo | null | undefined): boolean {
    return (info?.hasNextPage ?? false) || 'last' in this.#args;
  }

  /** How many pages `total` rows make (at least one). */
  pages(total: number): number {
    return Math.max(1, Math.ceil(total / this.size));
  }
}
