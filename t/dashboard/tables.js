// SPDX-License-Identifier: ISC
// tables.js FILE: read FILE as GitHub-flavoured Markdown with marked (an
// independent GFM parser) and print the number of body rows of each table,
// one a line; exit 1 if a row's cell count differs from its header's.
'use strict';
const fs = require('fs');
const { marked } = require('marked');

const md = fs.readFileSync(process.argv[2], 'utf8');
let bad = 0;
const walk = (tokens) => {
	for (const t of tokens) {
		if (t.type === 'table') {
			for (const row of t.rows)
				if (row.length !== t.header.length)
					bad = 1;
			console.log(t.rows.length);
		}
		if (t.tokens)
			walk(t.tokens);
	}
};
walk(marked.lexer(md, { gfm: true }));
process.exit(bad);
