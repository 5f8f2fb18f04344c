/*
 * A PKCS#11 "spy" module for tests: forwards every call to a real module and
 * watches C_Login. p11-kit ships no spy module by default, and the claim
 * "one login per opened signer, however many envelopes it signs" needs a
 * count that cannot be faked by the code under test.
 *
 * Environment (read at C_GetFunctionList time):
 *   FWUP_SPY_MODULE    path of the real module (required), e.g. libsofthsm2.so
 *   FWUP_SPY_LOG       file to which one line "C_Login <user type>" is appended
 *                      per C_Login call (optional)
 *   FWUP_SPY_LOGIN_RV  if set (hex or decimal CK_RV), C_Login returns it without
 *                      calling the real module: provokes errors SoftHSM never
 *                      returns, such as CKR_PIN_LOCKED (0xa4)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST spy_list;
static CK_FUNCTION_LIST_PTR real;

static CK_RV
spy_login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    const char *log = getenv("FWUP_SPY_LOG");
    const char *inj = getenv("FWUP_SPY_LOGIN_RV");

    if (log != NULL) {
        FILE *f = fopen(log, "a");
        if (f != NULL) {
            fprintf(f, "C_Login %lu\n", (unsigned long)user);
            fclose(f);
        }
    }
    if (inj != NULL && inj[0] != '\0')
        return (CK_RV)strtoul(inj, NULL, 0);
    return real->C_Login(s, user, pin, len);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

/* The one symbol a PKCS#11 v2 module exports. */
__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    const char *path = getenv("FWUP_SPY_MODULE");
    CK_C_GetFunctionList get;
    void *h;
    CK_RV rv;

    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    if (real == NULL) {
        if (path == NULL || (h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
            return CKR_GENERAL_ERROR;
        /* POSIX dlsym returns void *; converting it to a function pointer is
         * what dlsym is for. */
        *(void **)(&get) = dlsym(h, "C_GetFunctionList");
        if (get == NULL)
            return CKR_GENERAL_ERROR;
        rv = get(&real);
        if (rv != CKR_OK)
            return rv;
        spy_list = *real;
        spy_list.C_Login = spy_login;
        spy_list.C_GetFunctionList = C_GetFunctionList;
    }
    *list = &spy_list;
    return CKR_OK;
}
