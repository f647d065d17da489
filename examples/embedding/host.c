/* An embedding host serving several applications from one interpreter,
   each in a realm of its own, as the 2005 python-dev message proposed for
   mod_python: C threads take requests for any application, and switch
   their thread state to that application's builtins before running it.

       host HOME APPS_DIR OUT_DIR THREADS REQUESTS

   HOME is the prefix the patched build is installed in; APPS_DIR holds a
   directory per application, each with an "app" module defining
   handle(request_id) -> str.  The host makes a realm per application (its
   sys.path starts with the application's directory, its stdout and stderr
   are the file OUT_DIR/NAME.out), then starts THREADS C threads that each
   serve REQUESTS requests, to the applications in turn, and prints every
   answer on its own stdout, a line per request.

   Every application has a module named "app", and each of them imports
   and changes modules of its own: one sys.modules could not hold both.
   The host imports "app" from C (PyImport_ImportModule()), which finds it
   in the sys.modules of the current builtins: those the thread state was
   switched to. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_APPS 8

typedef struct {
    char name[64];
    PyObject *realm;        /* realm.Realm, strong */
    PyObject *builtins;     /* its builtins dict, strong */
} app_t;

static app_t apps[MAX_APPS];
static int napps;
static long requests_per_thread;

/* Run one request of application `app` in the calling thread, which holds
   no thread state: PyGILState_Ensure(), switch to the application's
   builtins, import and call its handler, switch back, release. */
static int
serve(app_t *app, long thread, long request)
{
    int ok = -1;
    char request_id[64];
    Py_ssize_t id_length = snprintf(request_id, sizeof(request_id),
                                    "t%ld-r%ld", thread, request);
    PyGILState_STATE gil = PyGILState_Ensure();
    PyThreadState *tstate = PyThreadState_Get();
    if (PyThreadState_SetBuiltins(tstate, app->builtins) < 0) {
        goto done;
    }
    /* The application's own "app" module, from its sys.modules. */
    PyObject *module = PyImport_ImportModule("app");
    if (module != NULL) {
        PyObject *answer = PyObject_CallMethod(module, "handle", "s#",
                                               request_id, id_length);
        Py_DECREF(module);
        if (answer != NULL) {
            const char *text = PyUnicode_AsUTF8(answer);
            if (text != NULL) {
                /* To the host's stdout: C's, not a realm's sys.stdout. */
                printf("%s %s %s\n", app->name, request_id, text);
                fflush(stdout);
                ok = 0;
            }
            Py_DECREF(answer);
        }
    }
    if (ok < 0) {
        PyErr_Print();      /* to the application's sys.stderr */
    }
    if (PyThreadState_SetBuiltins(tstate, NULL) < 0) {
        PyErr_Print();
        ok = -1;
    }
done:
    PyGILState_Release(gil);
    return ok;
}

static void *
worker(void *arg)
{
    long thread = (long)(intptr_t)arg;
    for (long i = 0; i < requests_per_thread; i++) {
        /* Each thread starts with another application. */
        app_t *app = &apps[(thread + i) % napps];
        if (serve(app, thread, i) < 0) {
            return (void *)1;
        }
    }
    return NULL;
}

/* Making and closing the realms is Python code of the host's. */
static const char HOST_CODE[] =
    "import realm, sys\n"
    "def make_app(apps_dir, out_dir, name):\n"
    "    home = f'{apps_dir}/{name}'\n"
    "    out = open(f'{out_dir}/{name}.out', 'w', buffering=1)\n"
    "    return realm.Realm(path=[home, *sys.path], stdout=out, stderr=out)\n"
    "def close_app(r):\n"
    "    out = r.sys.stdout\n"
    "    r.close()\n"
    "    out.close()\n";

static PyObject *host_globals;

static int
make_app(app_t *app, const char *apps_dir, const char *out_dir,
         const char *name)
{
    snprintf(app->name, sizeof(app->name), "%s", name);
    PyObject *make;
    if (PyDict_GetItemStringRef(host_globals, "make_app", &make) <= 0) {
        return -1;
    }
    app->realm = PyObject_CallFunction(make, "sss", apps_dir, out_dir, name);
    Py_DECREF(make);
    if (app->realm == NULL) {
        return -1;
    }
    app->builtins = PyObject_GetAttrString(app->realm, "builtins");
    return app->builtins == NULL ? -1 : 0;
}

static int
close_app(app_t *app)
{
    PyObject *close, *res = NULL;
    if (PyDict_GetItemStringRef(host_globals, "close_app", &close) > 0) {
        res = PyObject_CallOneArg(close, app->realm);
        Py_DECREF(close);
    }
    Py_CLEAR(app->builtins);
    Py_CLEAR(app->realm);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The applications: the subdirectories of apps_dir, in name order. */
static int
list_apps(const char *apps_dir, char **names)
{
    DIR *dir = opendir(apps_dir);
    if (dir == NULL) {
        perror(apps_dir);
        return -1;
    }
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.' || entry->d_type != DT_DIR) {
            continue;
        }
        if (n == MAX_APPS) {
            fprintf(stderr, "more than %d applications\n", MAX_APPS);
            closedir(dir);
            return -1;
        }
        names[n++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(char *), compare_names);
    return n;
}

int
main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOME APPS_DIR OUT_DIR THREADS REQUESTS\n",
                argv[0]);
        return 2;
    }
    const char *apps_dir = argv[2], *out_dir = argv[3];
    long nthreads = strtol(argv[4], NULL, 10);
    requests_per_thread = strtol(argv[5], NULL, 10);
    if (nthreads < 1 || nthreads > 64 || requests_per_thread < 1) {
        fprintf(stderr, "THREADS must be 1-64 and REQUESTS at least 1\n");
        return 2;
    }
    char *names[MAX_APPS];
    napps = list_apps(apps_dir, names);
    if (napps <= 0) {
        fprintf(stderr, "no application in %s\n", apps_dir);
        return 2;
    }

    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    PyStatus status = PyConfig_SetBytesString(&config, &config.home, argv[1]);
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    int rc = 1;
    host_globals = PyDict_New();
    if (host_globals == NULL
        || PyDict_SetItemString(host_globals, "__builtins__",
                                PyEval_GetBuiltins()) < 0)
    {
        goto error;
    }
    PyObject *res = PyRun_String(HOST_CODE, Py_file_input, host_globals,
                                 host_globals);
    if (res == NULL) {
        goto error;
    }
    Py_DECREF(res);
    for (int i = 0; i < napps; i++) {
        if (make_app(&apps[i], apps_dir, out_dir, names[i]) < 0) {
            goto error;
        }
    }

    /* Serve: the threads take the GIL with PyGILState_Ensure(). */
    pthread_t threads[64];
    long started = 0;
    int failed;
    Py_BEGIN_ALLOW_THREADS
    for (; started < nthreads; started++) {
        if (pthread_create(&threads[started], NULL, worker,
                           (void *)(intptr_t)started) != 0) {
            break;
        }
    }
    failed = started < nthreads;
    for (long i = 0; i < started; i++) {
        void *result;
        pthread_join(threads[i], &result);
        failed |= result != NULL;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        fprintf(stderr, "a request failed (see OUT_DIR/NAME.out)\n");
    }

    rc = failed;
    for (int i = 0; i < napps; i++) {
        if (close_app(&apps[i]) < 0) {
            PyErr_Print();
            rc = 1;
        }
    }
    Py_CLEAR(host_globals);
    for (int i = 0; i < napps; i++) {
        free(names[i]);
    }
    if (Py_FinalizeEx() < 0) {
        rc = 1;
    }
    return rc;

error:
    PyErr_Print();
    Py_XDECREF(host_globals);
    Py_FinalizeEx();
    return 1;
}
