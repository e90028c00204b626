// A sandbox standing in for Pinterest, in a process of its own: delivery is measured against an
// upstream that does not take CPU from the relay's event loop, as the real API would not.
import { startSandbox } from '@pinterest-capi/sandbox';

const config = JSON.parse(process.argv[2] ?? '{}');
const sandbox = await startSandbox({ port: 0, config });
process.send({ url: sandbox.url, apiBaseUrl: sandbox.apiBaseUrl });
// The parent going away (or closing the channel) ends the sandbox.
process.once('disconnect', () => {
  void sandbox.close().then(() => process.exit(0));
});
