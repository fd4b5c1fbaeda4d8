// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The libcurl functions we call, opening libcurl on first use
 * (lib/lazy_lib.h says why). Each one forwards to the library's own; when
 * the library cannot be loaded they fail as libcurl fails when it cannot
 * work: NULL handles, CURLE_FAILED_INIT, CURLUE_OUT_OF_MEMORY.
 */
#ifdef BW_LAZY_LIBS
#define CURL_DISABLE_TYPECHECK /* its macros would rename the definitions below */
#include <stdarg.h>
#include <curl/curl.h>
#include "lib/lazy_lib.h"

#if LIBCURL_VERSION_MAJOR < 7 || LIBCURL_VERSION_MAJOR > 8
#error "libcurl.so.4 is the ABI of curl 7 and 8: check the soname below"
#endif

#define CURL_FUNCS(X)                                                                     \
	X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init) X(curl_easy_setopt)   \
	X(curl_easy_perform) X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_strerror) \
	X(curl_version_info) X(curl_slist_append) X(curl_slist_free_all) X(curl_free)      \
	X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set) X(curl_url_strerror)

#define NAME(f) #f,
#define FIELD(f) __typeof__(f) *f;
static const char *const names[] = { CURL_FUNCS(NAME) };
static struct {
	CURL_FUNCS(FIELD)
} fn;
static struct lazy_lib lib = LAZY_LIB_INIT("libcurl.so.4", "webhook alerts and OTLP export",
					   names, &fn);

static bool loaded(void)
{
	return lazy_lib_load(&lib);
}

CURLcode curl_global_init(long flags)
{
	return loaded() ? fn.curl_global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
	if (loaded())
		fn.curl_global_cleanup();
}

CURL *curl_easy_init(void)
{
	return loaded() ? fn.curl_easy_init() : NULL;
}

/*
 * The one argument after the option has the type the option's number
 * range says (curl.h, CURLOPTTYPE_*): read it as that type, pass it on.
 */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	CURLcode rc;
	va_list ap;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(c, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *c)
{
	return loaded() ? fn.curl_easy_perform(c) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *c)
{
	if (c && loaded())
		fn.curl_easy_cleanup(c);
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = fn.curl_easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode rc)
{
	return loaded() ? fn.curl_easy_strerror(rc) : "libcurl.so.4 could not be loaded";
}

curl_version_info_data *curl_version_info(CURLversion v)
{
	static curl_version_info_data none = { .version = "(not loaded)" };

	return loaded() ? fn.curl_version_info(v) : &none;
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	return loaded() ? fn.curl_slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
	if (l && loaded())
		fn.curl_slist_free_all(l);
}

void curl_free(void *p)
{
	if (p && loaded())
		fn.curl_free(p);
}

CURLU *curl_url(void)
{
	return loaded() ? fn.curl_url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
	if (u && loaded())
		fn.curl_url_cleanup(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return loaded() ? fn.curl_url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return loaded() ? fn.curl_url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

const char *curl_url_strerror(CURLUcode rc)
{
	return loaded() ? fn.curl_url_strerror(rc) : "libcurl.so.4 could not be loaded";
}
#endif
