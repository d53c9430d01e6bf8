// msw in the page: answers /usage (on this origin or the ?daemon= one) from the canned mocks.
import { delay, HttpResponse, http } from 'msw';
import { setupWorker } from 'msw/browser';
import { type MockName, mockReply } from './payloads.js';

/** `current` is read on every request, so tests and the page can switch the mock without reloading. */
export async function startMockWorker(current: () => MockName): Promise<void> {
  const respond = async () => {
    const reply = mockReply(current(), Date.now());
    switch (reply.kind) {
      case 'json':
        return HttpResponse.json(reply.body, { headers: { 'Cache-Control': 'no-store' } });
      case 'text':
        return new HttpResponse(reply.body, { headers: { 'Content-Type': 'application/json' } });
      case 'status':
        return new HttpResponse('daemon error', { status: reply.status });
      case 'hang':
        // Never answers: the core's poll timeout has to fire.
        await delay('infinite');
        return new HttpResponse(null, { status: 504 });
    }
  };
  const worker = setupWorker(http.get(/\/usage$/, respond), http.get(/\/usage\?/, respond));
  await worker.start({
    serviceWorker: { url: './mockServiceWorker.js' },
    onUnhandledRequest: 'bypass',
    quiet: true,
  });
}
