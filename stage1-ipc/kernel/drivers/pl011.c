// SPDX-License-Identifier: MIT
/*
 * pl011.c - the console UART, Arm PrimeCell PL011 (TRM DDI 0183G, 3.3).
 *
 * Polled output only: the console must work in a panic with interrupts off.
 */
#include <kernel.h>
#include <drivers.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTCR 0x30
#define FR_TXFF (1 << 5) /* transmit FIFO full */
#define CR_UARTEN (1 << 0)
#define CR_TXE (1 << 8)
#define CR_RXE (1 << 9)

static volatile uint32_t *uart;

static inline uint32_t rd(unsigned off)
{
    return uart[off / 4];
}
static inline void wr(unsigned off, uint32_t v)
{
    uart[off / 4] = v;
}

void pl011_init(uint64_t regs)
{
    uart = (volatile uint32_t *)regs;
    /* The boot loader (QEMU, Pi firmware with enable_uart=1) set the baud
     * rate; only make sure the UART and its transmitter are on. */
    uint32_t cr = rd(UARTCR);
    if ((cr & (CR_UARTEN | CR_TXE)) != (CR_UARTEN | CR_TXE))
        wr(UARTCR, cr | CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_putc(char c)
{
    if (!uart)
        return;
    if (c == '\n')
        pl011_putc('\r');
    while (rd(UARTFR) & FR_TXFF)
        ;
    wr(UARTDR, (uint8_t)c);
}
