// kinesis-mock 0.6.2 listens on 0.0.0.0, hard-coded. Preloaded with `node -r`, this keeps it on
// 127.0.0.1: every server it opens is bound to loopback, whatever host it asks for.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  } else if (args.length > 0 && (typeof args[0] === 'number' || typeof args[0] === 'string')) {
    if (typeof args[1] === 'string') {
      args[1] = '127.0.0.1';
    } else {
      args.splice(1, 0, '127.0.0.1');
    }
  }
  return listen.apply(this, args);
};
