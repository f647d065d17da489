/* C-level lookups for the benchmark harness: each function calls one C API
   lookup n times, so that the loop around it is C, not the eval loop.
   Built against each interpreter from this one source (see cext.py). */

#define PY_SSIZE_T_CLEAN
#include "Python.h"

#if defined(__has_include)
#  if __has_include(<valgrind/callgrind.h>)
#    include <valgrind/callgrind.h>
#    define HAVE_CALLGRIND_H
#  endif
#endif

static PyObject *
sys_getobject(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PySys_GetObject("stdout") == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "no sys.stdout");
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
import_getmoduledict(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyImport_GetModuleDict() == NULL) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
import_getmodule(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    PyObject *name;
    if (!PyArg_ParseTuple(args, "nU", &n, &name)) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *module = PyImport_GetModule(name);
        if (module == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, name);
            }
            return NULL;
        }
        Py_DECREF(module);
    }
    Py_RETURN_NONE;
}

static PyObject *
eval_getbuiltins(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyEval_GetBuiltins() == NULL) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* Write callgrind's counts since the previous dump to a file of their own,
   described by the string: the harness measures several steps in one
   process.  Does nothing when not run under callgrind. */
static PyObject *
callgrind_dump(PyObject *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "expected str, not %T", arg);
        return NULL;
    }
    const char *description = PyUnicode_AsUTF8(arg);
    if (description == NULL) {
        return NULL;
    }
#ifdef HAVE_CALLGRIND_H
    CALLGRIND_DUMP_STATS_AT(description);
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"callgrind_dump", callgrind_dump, METH_O},
    {"sys_getobject", sys_getobject, METH_O},
    {"import_getmoduledict", import_getmoduledict, METH_O},
    {"import_getmodule", import_getmodule, METH_VARARGS},
    {"eval_getbuiltins", eval_getbuiltins, METH_O},
    {NULL},
};

static PyModuleDef_Slot slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_lookupbench",
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__lookupbench(void)
{
    return PyModuleDef_Init(&module);
}
