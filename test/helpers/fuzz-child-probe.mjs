// Preloaded (`node --expose-gc --import`) into a mock node started in a child process by the fuzz
// runner: answers `{type: 'memory'}` IPC messages with the process's memory after a full GC, so
// the parent can tell retained memory from garbage. Runs on the node's own event loop, so a
// blocked loop shows up as an unanswered probe too.
process.on('message', (message) => {
  if (!message || message.type !== 'memory') return;
  globalThis.gc?.();
  const usage = process.memoryUsage();
  process.send?.({
    type: 'memory',
    id: message.id,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    // maxRSS is in kilobytes.
    peakRss: process.resourceUsage().maxRSS * 1024,
  });
});
// The IPC channel must not keep the process alive on its own.
process.channel?.unref();
