// Runtime entry of the @mu/testing workspace package: the compiled lib (`npm run build`).
// TypeScript and jest resolve @mu/testing to the sources through tsconfig paths instead.
module.exports = require('../../dist/libs/testing/src/index.js');
