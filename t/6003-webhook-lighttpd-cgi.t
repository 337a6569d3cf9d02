#!/bin/sh
# SPDX-License-Identifier: ISC
# t/6002's tests, through lighttpd with examples/lighttpd-webhook-cgi.conf:
# glow-webhook as a CGI program.
WEBHOOK_CONF=lighttpd-webhook-cgi.conf
. "${0%/*}/6002-webhook-lighttpd.t"
