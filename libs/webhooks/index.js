// Runtime entry of the @mu/webhooks workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/webhooks to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/webhooks/src/index.js');
