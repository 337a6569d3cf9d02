/* SPDX-License-Identifier: ISC */
/* http.h: what HTTP itself defines that glow's client and servers share. */
#ifndef GLOW_HTTP_H
#define GLOW_HTTP_H

/* The reason phrase of status (RFC 9110, section 15), or "Error" for one
 * glow never sends nor expects. */
const char *glow_http_reason(long status);

#endif
