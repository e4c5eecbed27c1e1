// Runtime entry of the @mu/billing workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/billing to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/billing/src/index.js');
