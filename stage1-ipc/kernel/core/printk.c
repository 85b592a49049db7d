// SPDX-License-Identifier: MIT
/*
 * printk.c - formatted console output.
 *
 * A small vsnprintf: enough for kernel messages, no floating point.
 * A console lock keeps each message whole when several CPUs print.
 */
#include <kernel.h>
#include <printk.h>
#include <string.h>
#include <arch/spinlock.h>
#include <arch/sysreg.h>

static void (*console_out)(char c);

/* One message at a time on the console.  The lock is recursive per CPU so
 * that a panic inside printk (or a nested report) can still print. */
static spinlock_t console_lock = SPINLOCK_INIT;
static volatile int console_owner = -1;
static unsigned console_depth;

static int cpu_index(void)
{
    return (int)(read_sysreg(mpidr_el1) & 0xffffff);
}

static void console_acquire(void)
{
    int me = cpu_index();
    if (console_owner == me) {
        console_depth++;
        return;
    }
    spin_lock(&console_lock);
    console_owner = me;
    console_depth = 1;
}

static void console_release(void)
{
    if (--console_depth == 0) {
        console_owner = -1;
        spin_unlock(&console_lock);
    }
}

void console_write(const char *s, size_t len)
{
    console_acquire();
    for (size_t i = 0; i < len; i++)
        console_putc(s[i]);
    console_release();
}

void console_set(void (*putc)(char c))
{
    console_out = putc;
}

void console_putc(char c)
{
    if (console_out)
        console_out(c);
}

void console_puts(const char *s)
{
    while (*s)
        console_putc(*s++);
}

struct sink {
    char *buf;
    size_t size, len;
    bool console;
};

static void put(struct sink *o, char c)
{
    if (o->console)
        console_putc(c);
    else if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct sink *o, uint64_t v, unsigned base, bool neg, int width, char pad)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    if (neg && pad == '0') { /* "-0012": sign before the zero padding */
        put(o, '-');
        n--;
        width--;
    }
    for (int i = n; i < width; i++)
        put(o, pad);
    while (n)
        put(o, tmp[--n]);
}

static int format(struct sink *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int lng = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        size_t start = o->len;
        switch (*fmt) {
        case 'c':
            put(o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t l = strlen(s);
            if (!left)
                for (size_t i = l; i < (size_t)width; i++)
                    put(o, ' ');
            while (*s)
                put(o, *s++);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, left ? 0 : width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_num(o, v, *fmt == 'u' ? 10 : 16, false, left ? 0 : width, pad);
            break;
        }
        case 'p':
            put(o, '0');
            put(o, 'x');
            put_num(o, (uintptr_t)va_arg(ap, void *), 16, false, 16, '0');
            break;
        case '%':
            put(o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default: /* unknown conversion: print it as it is */
            put(o, '%');
            put(o, *fmt);
            break;
        }
        if (left)
            while (o->len - start < (size_t)width)
                put(o, ' ');
    }
    return (int)o->len;
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink o = { buf, size, 0, false };
    int n = format(&o, fmt, ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return n;
}

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintk(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int vprintk(const char *fmt, va_list ap)
{
    struct sink o = { NULL, 0, 0, true };
    console_acquire();
    int n = format(&o, fmt, ap);
    console_release();
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}
