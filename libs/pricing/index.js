// Runtime entry of the @mu/pricing workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/pricing to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/pricing/src/index.js');
