import type { FromWorker } from '../protocol/messages.ts';

/** Sends a message to the page; `transfer` lists buffers to move rather than copy. */
export type Post = (message: FromWorker, transfer?: Transferable[]) => void;
