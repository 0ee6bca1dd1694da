"use strict";
// Builds a search index of every page; keeps far too much in memory.
const pages = [];
function addPage(i) {
  pages.push({ id: i, words: new Array(1000).fill(`word-${i}`) });
}
console.log("indexing pages");
for (let i = 0; ; i++) addPage(i);
