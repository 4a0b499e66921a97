/**
 * A turn for the message queue between training iterations, without a timer's delay.
 *
 * `setTimeout(resolve, 0)` in a loop is clamped to ≥ 4 ms once timers nest five deep (HTML's timer
 * rules): measured 4.7 ms per yield in a worker of Debian's Chromium 156, two per training round,
 * ≈ 5–10 % of a ≈ 100 ms iteration. A message to itself through a `MessageChannel` is a task of the
 * posted-message task source, the same queue as the page's messages to the worker, so a command the
 * page posted earlier (a pause) still runs before the yield resolves; it costs microseconds.
 */

/** A yield function on its own channel: resolves in a later task, after the messages already queued; resolvers run in call order. */
export function messageYield(): () => Promise<void> {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  // (in Node, an open port keeps the process alive; let it exit)
  (channel.port1 as { unref?: () => void }).unref?.();
  (channel.port2 as { unref?: () => void }).unref?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
}

/** The worker's yield (`messageYield`). */
export const yieldToMessages: () => Promise<void> = messageYield();
