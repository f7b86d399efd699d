import { describeCancelChannelContract } from './cancel-channel.contract';
import { InProcessCancelChannel } from './in-process-cancel-channel';

let shared: InProcessCancelChannel | null = null;
describeCancelChannelContract('in-process', {
  // One process, one channel: a second "instance" within a test is the same channel.
  create: (options) => Promise.resolve((shared ??= new InProcessCancelChannel(options))),
  cleanup: () => {
    shared = null;
    return Promise.resolve();
  },
});
