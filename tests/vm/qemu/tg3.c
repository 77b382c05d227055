/*
 * QEMU model of a Broadcom BCM5719 (Tigon3) Gigabit Ethernet controller,
 * written so that Linux's unmodified tg3 driver (6.1) probes it and
 * passes traffic.  Stage 1 of docs/qemu-tg3.md in the tg3cap tree:
 * probe, link, the standard producer ring, one receive return ring,
 * one send ring, tagged status block, INTx and one-shot MSI.  Stage 3:
 * MSI-X with five vectors, a status block per vector, RSS over four
 * return rings (Toeplitz hash, 128-entry indirection table).
 *
 * Not derived from any Broadcom or Linux code: the register offsets
 * and bit values are facts read from the driver (drivers/net/ethernet/
 * broadcom/tg3.[ch]); "tg3.c:N" below are line numbers in Debian's
 * Linux 6.1 tg3.c, where the driver shows what the hardware must do.
 *
 * Target: QEMU 7.2 (Debian 12).  See docs/qemu-tg3.md (f) item 11 for
 * the API changes in later QEMU versions.  Built into Debian's
 * 7.2+dfsg-7+deb12u18 source by tests/vm/qemu/build.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/bswap.h"
#include "qemu/range.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "net/eth.h"
#include "net/checksum.h"
#include "qom/object.h"

#ifndef ETH_ZLEN
#define ETH_ZLEN 60
#endif

#define TYPE_TG3 "tg3"
OBJECT_DECLARE_SIMPLE_TYPE(Tg3State, TG3)

/* ------------------------------------------------------------------ */
/* Identity (docs/qemu-tg3.md (a))                                     */

#define T3_VENDOR_BROADCOM      0x14e4
#define T3_DEVICE_5719          0x1657      /* tg3.h:66 */
#define T3_CHIPREV_5719_A1      0x05719001  /* ASIC 0x5719, metal A1 */
/*
 * MISC_HOST_CTRL[31:16] is the chip rev id; 0xf000 makes
 * tg3_asic_rev() == ASIC_REV_USE_PROD_ID_REG so that the driver reads
 * the real id from config 0xf4 (tg3.c:16062-16096).
 */
#define T3_MHC_CHIPREV          0xf0000000u
#define T3_PHY_ADDR             1           /* pci_fn + 1, tg3.c:1510 */
#define T3_PHYSID1              0x0362      /* -> TG3_PHY_ID_BCM5719C */
#define T3_PHYSID2              0x5e20

/* ------------------------------------------------------------------ */
/* BAR sizes and the private PCI config registers (tg3.h:120-180)      */

#define T3_BAR0_SIZE            0x10000
#define T3_REGS_SIZE            0x8000      /* 0x8000+ is the SRAM window */
#define T3_APE_SIZE             0x10000
#define T3_MSIX_BAR_SIZE        0x10000     /* BAR 4: table at 0, PBA */
#define T3_MSIX_TABLE           0x0000
#define T3_MSIX_PBA             0x0120      /* as lspci shows on a 5719 */
#define T3_SRAM_SIZE            0x10000     /* all the driver touches */

#define T3_PCI_MISC_HOST_CTRL   0x68
#define  T3_MHC_CLEAR_INT       0x00000001
#define  T3_MHC_MASK_PCI_INT    0x00000002
#define  T3_MHC_TAGGED_STATUS   0x00000200
#define T3_PCI_DMA_RW_CTRL      0x6c
#define T3_PCI_PCISTATE         0x70
#define  T3_PCISTATE_INT_NOT_ACTIVE 0x00000002
#define T3_PCI_CLOCK_CTRL       0x74
#define T3_PCI_REG_BASE_ADDR    0x78
#define T3_PCI_MEM_WIN_BASE     0x7c
#define T3_PCI_REG_DATA         0x80
#define T3_PCI_MEM_WIN_DATA     0x84
#define T3_PCI_PRIV_END         0xa0        /* 0xa0+ belongs to MSI-X/PCIe */
#define T3_PCI_GEN2_PRODID      0xf4
#define T3_PCI_GEN15_PRODID     0xfc

/* PCI capabilities, placed where a real 5719 has them (ortega regs.yaml) */
#define T3_CAP_MSI              0x58
#define T3_CAP_MSIX             0xa0        /* 12 bytes, up to PCIe */
#define T3_CAP_PCIE             0xac

/* ------------------------------------------------------------------ */
/* Mailboxes (tg3.h:307-374)                                            */

#define T3_MB_INT_0             0x204       /* + 8*vec, vec 0..4 */
#define T3_MB_STD_PROD          0x26c
#define T3_MB_JMB_PROD          0x274
#define T3_MB_RET_CON_0         0x284       /* + 8*ring */
#define T3_MB_SND_PROD_BASE     0x300       /* ring k at 0x300+4*(k^1) */

/* ------------------------------------------------------------------ */
/* MAC registers                                                        */

#define T3_MAC_MODE             0x400
#define T3_MAC_STATUS           0x404
#define  T3_MAC_STATUS_LNKSTATE_CHANGED 0x00001000
#define  T3_MAC_STATUS_CHANGE_BITS      0x0fc01418
#define T3_MAC_EVENT            0x408
#define  T3_MAC_EVENT_LNKSTATE_CHANGED  0x00001000
#define T3_MAC_ADDR_0_HIGH      0x410       /* + 8*i, i = 0..3 */
#define T3_MAC_ADDR_0_LOW       0x414
#define T3_MAC_RX_MTU_SIZE      0x43c
#define T3_MAC_MI_COM           0x44c
#define  T3_MI_COM_CMD_MASK     0x0c000000
#define  T3_MI_COM_CMD_WRITE    0x04000000
#define  T3_MI_COM_CMD_READ     0x08000000
#define  T3_MI_COM_READ_FAILED  0x10000000
#define  T3_MI_COM_START        0x20000000  /* same bit as BUSY */
#define T3_MAC_TX_MODE          0x45c
#define  T3_TX_MODE_ENABLE      0x00000002
#define T3_MAC_RX_MODE          0x468
#define  T3_RX_MODE_ENABLE      0x00000002
#define  T3_RX_MODE_PROMISC     0x00000100
#define  T3_RX_MODE_KEEP_VLAN   0x00000400
#define  T3_RX_MODE_RSS_IPV4    0x00010000  /* hash the addresses */
#define  T3_RX_MODE_RSS_TCP4    0x00020000  /* ... and the ports */
#define  T3_RX_MODE_RSS_IPV6    0x00040000
#define  T3_RX_MODE_RSS_TCP6    0x00080000
#define  T3_RX_MODE_RSS_BITS(v) (((v) >> 20) & 7)   /* table index bits */
#define  T3_RX_MODE_RSS_ENABLE  0x00800000
#define T3_MAC_HASH_REG_0       0x470       /* .. 0x47c */
#define T3_MAC_RSS_INDIR_TBL_0  0x630       /* 16 x 8 entries of 4 bits */
#define T3_MAC_RSS_HASH_KEY_0   0x670       /* 10 words, 40 key bytes */
#define T3_MAC_TX_STATS_OCTETS  0x800
#define T3_MAC_TX_STATS_UCAST   0x86c
#define T3_MAC_TX_STATS_MCAST   0x870
#define T3_MAC_TX_STATS_BCAST   0x874
#define T3_MAC_RX_STATS_OCTETS  0x880
#define T3_MAC_RX_STATS_UCAST   0x88c
#define T3_MAC_RX_STATS_MCAST   0x890
#define T3_MAC_RX_STATS_BCAST   0x894
#define T3_MAC_RX_STATS_TOO_LONG 0x8b0
#define T3_MAC_STATS_END        0x900       /* 0x800-0x8ff: clear on read */

/* Block mode registers; bit 1 is ENABLE in all of them */
#define T3_SNDDATAI_MODE        0x0c00
#define T3_SNDDATAC_MODE        0x1000
#define T3_SNDBDS_MODE          0x1400
#define T3_SNDBDI_MODE          0x1800
#define  T3_SNDBDI_MULTI_TXQ_EN 0x00000020
#define T3_SNDBDC_MODE          0x1c00
#define T3_RCVLPC_MODE          0x2000
#define T3_RCVLPC_NO_RCV_BD_CNT 0x224c      /* ethtool -S rxbds_empty */
#define T3_RCVLPC_IN_DISCARDS   0x2250      /* ethtool -S rx_discards */
#define T3_RCVLPC_IN_ERRORS     0x2254      /* ethtool -S rx_errors */
#define T3_RCVDBDI_MODE         0x2400
#define T3_RCVDBDI_JUMBO_BD     0x2440      /* BDINFO hi, lo, flags, nic */
#define T3_RCVDBDI_STD_BD       0x2450
#define T3_RCVDCC_MODE          0x2800
#define T3_RCVBDI_MODE          0x2c00
#define T3_RCVCC_MODE           0x3000
#define T3_RCVLSC_MODE          0x3400
#define T3_MBFREE_MODE          0x3800
#define T3_HOSTCC_MODE          0x3c00
#define  T3_HOSTCC_ENABLE       0x00000002
#define  T3_HOSTCC_NOW          0x00000008
#define  T3_HOSTCC_VEC1_NOW     0x00002000  /* << (vec - 1) */
#define  T3_HOSTCC_NOW_MASK     (T3_HOSTCC_NOW | (0xf * T3_HOSTCC_VEC1_NOW))
#define T3_HOSTCC_STATUS_BLK    0x3c38      /* hi, lo */
#define T3_HOSTCC_STATBLCK_RING1 0x3d00     /* + 8*(vec-1) */
#define T3_HOSTCC_STATBLCK_END  0x3d20
#define T3_MEMARB_MODE          0x4000
#define T3_BUFMGR_MODE          0x4400
#define T3_RDMAC_MODE           0x4800
#define T3_WDMAC_MODE           0x4c00
#define T3_MSGINT_MODE          0x6000
#define  T3_MSGINT_ONE_SHOT_DISABLE 0x00000020
#define T3_DMAC_MODE            0x6400
#define T3_GRC_MODE             0x6800
#define T3_GRC_MISC_CFG         0x6804
#define  T3_GRC_MISC_CFG_CORECLK_RESET 0x00000001
#define T3_GRC_LOCAL_CTRL       0x6808
#define  T3_GRC_LCLCTRL_CLEARINT 0x00000002
#define  T3_GRC_LCLCTRL_SETINT  0x00000004
#define T3_NVRAM_CMD            0x7000
#define  T3_NVRAM_CMD_DONE      0x00000008
#define T3_NVRAM_CFG1           0x7014      /* 0 -> NO_NVRAM, tg3.c:14813 */
#define T3_NVRAM_SWARB          0x7020

/* APE (BAR 2), tg3.h:2424-2512 */
#define T3_APE_PER_LOCK_REQ     0x8400      /* + 4*lock, 8 locks */
#define T3_APE_PER_LOCK_GRANT   0x8420

/* NIC SRAM layout (tg3.h:2154-2264) */
#define T3_SRAM_SEND_RCB        0x0100      /* 16 * BDINFO */
#define T3_SRAM_RCV_RET_RCB     0x0200
#define T3_SRAM_FW_MBOX         0x0b50
#define  T3_FW_MBOX_MAGIC1      0x4b657654u
#define T3_SRAM_DATA_SIG        0x0b54
#define  T3_DATA_SIG_MAGIC      0x4b657654u /* "KevT" */
#define T3_SRAM_DATA_CFG        0x0b58
#define  T3_DATA_CFG_COPPER_LED1 0x00000014
#define T3_SRAM_DATA_VER        0x0b5c
#define T3_SRAM_DATA_PHY_ID     0x0b74
#define T3_SRAM_MAC_HIGH        0x0c14
#define T3_SRAM_MAC_LOW         0x0c18
#define T3_SRAM_DATA_CFG_2      0x0d38
#define T3_SRAM_DATA_CFG_3      0x0d3c
#define T3_SRAM_CPMU_STATUS     0x0e00
#define T3_SRAM_DATA_CFG_5      0x0e0c

/* BDINFO (ring control block) fields */
#define T3_BDINFO_HOST_HI       0x0
#define T3_BDINFO_HOST_LO       0x4
#define T3_BDINFO_MAXLEN_FLAGS  0x8
#define  T3_BDINFO_DISABLED     0x00000002

/* Descriptors, tg3.h:2540-2640 */
#define T3_RXD_SIZE             32
#define T3_TXD_SIZE             16
#define T3_RXD_FLAG_END         0x0004
#define T3_RXD_FLAG_VLAN        0x0040
#define T3_TXD_FLAG_TCPUDP_CSUM 0x0001
#define T3_TXD_FLAG_END         0x0004
#define T3_TXD_FLAG_VLAN        0x0040
#define T3_TXD_FLAG_TSO         0x0300      /* CPU_PRE_DMA | CPU_POST_DMA */

/* Status block, tg3.h:2677-2712 */
#define T3_STATUS_SIZE          0x50
#define T3_SD_UPDATED           0x00000001
#define T3_SD_LINK_CHG          0x00000002

/* MII registers and bits used here (own names: QEMU's hw/net/mii.h grew
 * over time and 7.2 may lack some) */
#define T3_MII_BMCR             0x00
#define  T3_BMCR_RESET          0x8000
#define  T3_BMCR_AUTOEN         0x1000
#define  T3_BMCR_ANRESTART      0x0200
#define  T3_BMCR_FD             0x0100
#define  T3_BMCR_SPEED1000      0x0040
#define T3_MII_BMSR             0x01
#define  T3_BMSR_AN_COMP        0x0020
#define  T3_BMSR_LINK_ST        0x0004
#define T3_MII_PHYID1           0x02
#define T3_MII_PHYID2           0x03
#define T3_MII_ANAR             0x04
#define T3_MII_ANLPAR           0x05
#define T3_MII_CTRL1000         0x09
#define T3_MII_STAT1000         0x0a

#define T3_NUM_VECS             5           /* TG3_IRQ_MAX_VECS */
#define T3_NUM_RINGS            4           /* TG3_RSS_MAX_NUM_QS */
#define T3_RSS_KEY_SIZE         40
#define T3_TX_MAX_FRAME         (64 * 1024 + 256)

/* ------------------------------------------------------------------ */

struct Tg3State {
    PCIDevice parent_obj;

    NICState *nic;
    NICConf conf;
    MemoryRegion mmio;
    MemoryRegion ape_mmio;
    MemoryRegion msix_bar;

    bool drop_on_full;          /* property: drop + count, like hardware */
    bool msix;                  /* property: MSI-X capability (stage 3) */

    uint32_t regs[T3_REGS_SIZE / 4];
    uint32_t ape[T3_APE_SIZE / 4];
    uint32_t sram[T3_SRAM_SIZE / 4];

    /* chip-side ring state */
    uint32_t rx_std_cons;
    uint32_t rx_jmb_cons;
    uint32_t rx_ret_prod[T3_NUM_RINGS];
    uint32_t tx_cons[T3_NUM_RINGS];

    /* interrupt state per vector */
    uint32_t tag[T3_NUM_VECS];
    bool masked[T3_NUM_VECS];
    bool pending[T3_NUM_VECS];
    bool link_chg;
    bool intx_level;

    /* PHY */
    uint16_t mii[32];
    uint16_t auxctl[8];
    uint8_t auxctl_rdsel;
    uint16_t shdw[32];
    uint8_t shdw_sel;
    uint16_t mmd_ctrl;
    uint16_t mmd_addr;
    uint16_t mmd_eee_adv;       /* 7.60, read back by tg3_eee_pull_config */
    bool link_up;

    uint8_t tx_buf[T3_TX_MAX_FRAME];
    uint32_t tx_len;
    uint32_t tx_flags;          /* of the frame's first BD */
    uint32_t tx_vlan_mss;
    bool tx_oversize;           /* the frame in tx_buf lost a BD */
    uint8_t rx_buf[T3_TX_MAX_FRAME];     /* VLAN-stripped copy */
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static inline uint32_t t3_reg(Tg3State *s, uint32_t off)
{
    return s->regs[(off & (T3_REGS_SIZE - 1)) >> 2];
}

static inline void t3_set_reg(Tg3State *s, uint32_t off, uint32_t val)
{
    s->regs[(off & (T3_REGS_SIZE - 1)) >> 2] = val;
}

static inline uint32_t t3_sram(Tg3State *s, uint32_t off)
{
    return s->sram[(off & (T3_SRAM_SIZE - 1)) >> 2];
}

static inline void t3_set_sram(Tg3State *s, uint32_t off, uint32_t val)
{
    s->sram[(off & (T3_SRAM_SIZE - 1)) >> 2] = val;
}

static inline dma_addr_t t3_addr64(uint32_t hi, uint32_t lo)
{
    return ((dma_addr_t)hi << 32) | lo;
}

static inline bool t3_enabled(Tg3State *s, uint32_t mode_reg)
{
    return t3_reg(s, mode_reg) & 0x2;
}

/* Ring entries from BDINFO_MAXLEN_FLAGS[31:16]; 0 means the old 512 */
static inline uint32_t t3_ring_size(uint32_t maxlen_flags)
{
    uint32_t n = maxlen_flags >> 16;

    return (n && !(n & (n - 1))) ? n : 512;
}

static void t3_stat_add(Tg3State *s, uint32_t off, uint32_t n)
{
    t3_set_reg(s, off, t3_reg(s, off) + n);
}

/* A frame received (@rx) or sent: its octets with the FCS, its class. */
static void t3_stat_frame(Tg3State *s, const uint8_t *p, size_t len, bool rx)
{
    t3_stat_add(s, rx ? T3_MAC_RX_STATS_OCTETS : T3_MAC_TX_STATS_OCTETS,
                len + 4);
    if (is_broadcast_ether_addr(p)) {
        t3_stat_add(s, rx ? T3_MAC_RX_STATS_BCAST : T3_MAC_TX_STATS_BCAST, 1);
    } else if (is_multicast_ether_addr(p)) {
        t3_stat_add(s, rx ? T3_MAC_RX_STATS_MCAST : T3_MAC_TX_STATS_MCAST, 1);
    } else {
        t3_stat_add(s, rx ? T3_MAC_RX_STATS_UCAST : T3_MAC_TX_STATS_UCAST, 1);
    }
}

/* ------------------------------------------------------------------ */
/* Interrupts: tagged status, one-shot MSI, INTx (docs (c))             */

static bool t3_tagged(Tg3State *s)
{
    return t3_reg(s, T3_PCI_MISC_HOST_CTRL) & T3_MHC_TAGGED_STATUS;
}

static void t3_update_intx(Tg3State *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    bool level = false;

    if (!msi_enabled(d) && !msix_enabled(d)) {
        level = s->pending[0] && !s->masked[0] &&
                !(t3_reg(s, T3_PCI_MISC_HOST_CTRL) & T3_MHC_MASK_PCI_INT);
    }
    if (level != s->intx_level) {
        s->intx_level = level;
        pci_set_irq(d, level);
    }
}

/*
 * Deliver a pending interrupt on a vector if it is not masked.  With
 * MSI and MSI-X the chip masks the vector itself unless MSGINT_MODE
 * says ONE_SHOT_DISABLE: the driver's tg3_msi_1shot() handler, used for
 * both (tg3_request_irq, tg3.c:11265-11269), does not write the mailbox
 * (tg3.c:7475-7486; 1SHOT_MSI set at tg3.c:16384).  MSI-X vector n is
 * table entry n (tg3_enable_msix asks for entries 0..irq_cnt-1); a
 * vector the guest has masked in the table stays pending in the PBA
 * (QEMU's msix_notify).  MSI and INTx have vector 0 only.
 */
static void t3_irq_update(Tg3State *s, int vec)
{
    PCIDevice *d = PCI_DEVICE(s);
    bool x = msix_enabled(d);

    if (vec == 0 && !x && !msi_enabled(d)) {
        t3_update_intx(s);
        return;
    }
    if (!s->pending[vec] || s->masked[vec] || (vec && !x)) {
        return;
    }
    s->pending[vec] = false;
    if (!(t3_reg(s, T3_MSGINT_MODE) & T3_MSGINT_ONE_SHOT_DISABLE)) {
        s->masked[vec] = true;
    }
    if (x) {
        msix_notify(d, vec);
    } else {
        msi_notify(d, 0);
    }
}

static void t3_raise(Tg3State *s, int vec)
{
    s->pending[vec] = true;
    t3_irq_update(s, vec);
}

/*
 * Interrupt mailbox write.  1 masks ("stop sending us irqs",
 * tg3.c:7496-7503) and any write deasserts INTA; tag << 24 unmasks and
 * acknowledges status blocks up to tag.  If the chip has posted a newer
 * block meanwhile it must interrupt again, or the queue stalls: the
 * driver re-enables with the tag it saw (tg3.c:7247-7263, 1067-1072).
 */
static void t3_int_mbox_write(Tg3State *s, int vec, uint32_t val)
{
    s->masked[vec] = (val & 0x00ffffff) != 0;
    s->pending[vec] = false;
    if (!s->masked[vec] && t3_tagged(s) &&
        (val >> 24) != (s->tag[vec] & 0xff)) {
        s->pending[vec] = true;
    }
    t3_irq_update(s, vec);
}

/* ------------------------------------------------------------------ */
/* Status block                                                         */

static dma_addr_t t3_status_addr(Tg3State *s, int vec)
{
    uint32_t off = vec ? T3_HOSTCC_STATBLCK_RING1 + 8 * (vec - 1)
                       : T3_HOSTCC_STATUS_BLK;

    return t3_addr64(t3_reg(s, off), t3_reg(s, off + 4));
}

/*
 * Write vector vec's status block (little-endian words, docs (c)) and
 * raise its interrupt.  Only while host coalescing is enabled: the
 * driver programs the block address with HOSTCC disabled and polls it
 * (tg3.c:10385-10416).  Coalescing timers are stage 4: every event
 * posts a block at once.
 */
static void t3_post_status(Tg3State *s, int vec)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint8_t blk[T3_STATUS_SIZE];
    uint32_t status = T3_SD_UPDATED;
    bool rss = t3_reg(s, T3_MAC_RX_MODE) & T3_RX_MODE_RSS_ENABLE;
    bool tss = t3_reg(s, T3_SNDBDI_MODE) & T3_SNDBDI_MULTI_TXQ_EN;
    uint16_t std_cons = s->rx_std_cons, jmb_cons = s->rx_jmb_cons;
    uint16_t mini = 0, resv = 0, rx_prod = 0, tx_cons = 0;
    dma_addr_t addr;

    if (!t3_enabled(s, T3_HOSTCC_MODE)) {
        return;
    }
    addr = t3_status_addr(s, vec);
    if (!addr) {
        return;
    }

    if (vec == 0 && s->link_chg) {
        status |= T3_SD_LINK_CHG;
        s->link_chg = false;
    }
    s->tag[vec] = (s->tag[vec] + 1) & 0xff;

    if (!rss) {
        rx_prod = vec == 0 ? s->rx_ret_prod[0] : 0;
    } else {
        /* tg3.c:8777-8800: ring k's producer sits in vector k+1's block */
        switch (vec) {
        case 1:
            rx_prod = s->rx_ret_prod[0];
            break;
        case 2:
            jmb_cons = s->rx_ret_prod[1];
            break;
        case 3:
            resv = s->rx_ret_prod[2];
            break;
        case 4:
            mini = s->rx_ret_prod[3];
            break;
        }
    }
    if (tss) {
        tx_cons = vec ? s->tx_cons[vec - 1] : 0;
    } else {
        tx_cons = vec == 0 ? s->tx_cons[0] : 0;
    }

    memset(blk, 0, sizeof(blk));
    stl_le_p(blk + 0x00, status);
    stl_le_p(blk + 0x04, s->tag[vec]);
    stl_le_p(blk + 0x08, ((uint32_t)std_cons << 16) | jmb_cons);
    stl_le_p(blk + 0x0c, ((uint32_t)resv << 16) | mini);
    stl_le_p(blk + 0x10, ((uint32_t)tx_cons << 16) | rx_prod);
    pci_dma_write(d, addr, blk, sizeof(blk));

    t3_raise(s, vec);
}

/* ------------------------------------------------------------------ */
/* PHY behind MAC_MI_COM (docs (c) "PHY")                               */

static void t3_phy_reset(Tg3State *s)
{
    memset(s->mii, 0, sizeof(s->mii));
    s->mii[T3_MII_BMCR] = T3_BMCR_AUTOEN | T3_BMCR_FD | T3_BMCR_SPEED1000;
    s->mii[T3_MII_PHYID1] = T3_PHYSID1;
    s->mii[T3_MII_PHYID2] = T3_PHYSID2;
    s->mii[T3_MII_ANAR] = 0x01e1;          /* 10/100 half/full, CSMA */
    s->mii[T3_MII_CTRL1000] = 0x0300;      /* 1000 half/full */
    s->mii[0x0f] = 0x3000;              /* ESTATUS: 1000T half/full */
    memset(s->auxctl, 0, sizeof(s->auxctl));
    memset(s->shdw, 0, sizeof(s->shdw));
    s->auxctl_rdsel = 0;
    s->shdw_sel = 0;
    s->mmd_ctrl = 0;
    s->mmd_addr = 0;
    s->mmd_eee_adv = 0;
}

static uint16_t t3_phy_read(Tg3State *s, int reg)
{
    switch (reg) {
    case T3_MII_BMSR:
        /* 100/10 half/full, ext status, AN capable, MF preamble, ext cap */
        return 0x7949 | (s->link_up ? (T3_BMSR_LINK_ST | T3_BMSR_AN_COMP)
                                    : 0);
    case T3_MII_ANLPAR:
        return s->link_up ? 0x45e1 : 0;         /* ACK, pause, 10/100 */
    case T3_MII_STAT1000:
        return s->link_up ? 0x3c00 : 0;         /* partner 1000 h/f */
    case 0x19:                                  /* MII_TG3_AUX_STAT */
        /* 1000 full + link pass: tg3_aux_stat_to_speed_duplex() */
        return s->link_up ? 0x0704 : 0;
    case 0x1a: {                                /* MII_TG3_ISTAT, r2c */
        uint16_t v = s->mii[0x1a];
        s->mii[0x1a] = 0;
        return v;
    }
    case 0x18:                                  /* MII_TG3_AUX_CTRL */
        return s->auxctl[s->auxctl_rdsel & 7];
    case 0x1c:                                  /* MII_TG3_MISC_SHDW */
        return s->shdw[s->shdw_sel & 0x1f];
    case 0x0e:                                  /* MII_TG3_MMD_ADDRESS */
        if (s->mmd_ctrl & 0x4000) {
            /* data phase: only 7.60 (EEE advertisement) is kept */
            if ((s->mmd_ctrl & 0x1f) == 7 && s->mmd_addr == 0x3c) {
                return s->mmd_eee_adv;
            }
            return 0;
        }
        return s->mmd_addr;
    case 0x14:                                  /* RXR counters */
    case 0x15:                                  /* DSP read port */
        return 0;
    default:
        return s->mii[reg & 0x1f];
    }
}

static void t3_phy_write(Tg3State *s, int reg, uint16_t val)
{
    switch (reg) {
    case T3_MII_BMCR:
        if (val & T3_BMCR_RESET) {
            /* self-clearing; tg3_bmcr_reset() polls it (tg3.c:1351) */
            t3_phy_reset(s);
            return;
        }
        s->mii[T3_MII_BMCR] = val & ~T3_BMCR_ANRESTART;
        return;
    case T3_MII_BMSR:
    case T3_MII_PHYID1:
    case T3_MII_PHYID2:
    case T3_MII_ANLPAR:
    case T3_MII_STAT1000:
    case 0x19:
    case 0x1a:
        return;                                 /* read-only */
    case 0x18:                                  /* AUX_CTRL shadows */
        if ((val & 7) == 7) {                   /* MISC shadow */
            if (val & 0x8000) {
                s->auxctl[7] = val & 0x7fff;    /* write enable */
            } else {
                s->auxctl_rdsel = (val >> 12) & 7;  /* read select */
            }
        } else {
            s->auxctl[val & 7] = val;
        }
        return;
    case 0x1c:                                  /* MISC_SHDW */
        s->shdw_sel = (val >> 10) & 0x1f;
        if (val & 0x8000) {
            s->shdw[s->shdw_sel] = val & 0x7fff;
        }
        return;
    case 0x0d:                                  /* MMD access control */
        s->mmd_ctrl = val;
        return;
    case 0x0e:
        if (s->mmd_ctrl & 0x4000) {
            if ((s->mmd_ctrl & 0x1f) == 7 && s->mmd_addr == 0x3c) {
                s->mmd_eee_adv = val;
            }
        } else {
            s->mmd_addr = val;
        }
        return;
    default:
        s->mii[reg & 0x1f] = val;
    }
}

/*
 * MI_COM: the driver writes a frame with START and polls BUSY (the
 * same bit) clear, 5000 x 10 us (tg3.c:1136-1157).  The operation
 * completes during the write.
 */
static void t3_mi_com_write(Tg3State *s, uint32_t val)
{
    int addr = (val >> 21) & 0x1f;
    int reg = (val >> 16) & 0x1f;
    uint32_t res = val & ~(T3_MI_COM_START | T3_MI_COM_READ_FAILED);

    if (val & T3_MI_COM_START) {
        if ((val & T3_MI_COM_CMD_MASK) == T3_MI_COM_CMD_READ) {
            res &= ~0xffffu;
            if (addr == T3_PHY_ADDR) {
                res |= t3_phy_read(s, reg);
            } else {
                res |= 0xffff | T3_MI_COM_READ_FAILED;
            }
        } else if ((val & T3_MI_COM_CMD_MASK) == T3_MI_COM_CMD_WRITE &&
                   addr == T3_PHY_ADDR) {
            t3_phy_write(s, reg, val & 0xffff);
        }
    }
    t3_set_reg(s, T3_MAC_MI_COM, res);
}

/* ------------------------------------------------------------------ */
/* Reset                                                                */

/*
 * What the bootcode leaves in NIC SRAM after a reset, and what the
 * driver needs from it (docs (b) steps 5, 6, 15 and (c) chip reset).
 */
static void t3_bootcode(Tg3State *s)
{
    const uint8_t *m = s->conf.macaddr.a;

    /* tg3_poll_fw(): ~MAGIC1 means "bootcode done" (tg3.c:1834-1846) */
    t3_set_sram(s, T3_SRAM_FW_MBOX, ~T3_FW_MBOX_MAGIC1);
    /* tg3_get_eeprom_hw_cfg(): required, see docs (b) step 6 */
    t3_set_sram(s, T3_SRAM_DATA_SIG, T3_DATA_SIG_MAGIC);
    t3_set_sram(s, T3_SRAM_DATA_CFG, T3_DATA_CFG_COPPER_LED1);
    t3_set_sram(s, T3_SRAM_DATA_VER, 0);
    t3_set_sram(s, T3_SRAM_DATA_PHY_ID,
                ((uint32_t)T3_PHYSID1 << 16) | T3_PHYSID2);
    t3_set_sram(s, T3_SRAM_DATA_CFG_2, 0);
    t3_set_sram(s, T3_SRAM_DATA_CFG_3, 0);
    t3_set_sram(s, T3_SRAM_DATA_CFG_5, 0);
    /* function 0 + signature 0x362c (tg3.c:16617-16626) */
    t3_set_sram(s, T3_SRAM_CPMU_STATUS, 0x0000362c);
    /* MAC mailbox, "HK" signature (tg3.c:16990-17001) */
    t3_set_sram(s, T3_SRAM_MAC_HIGH, 0x484b0000 | (m[0] << 8) | m[1]);
    t3_set_sram(s, T3_SRAM_MAC_LOW, ((uint32_t)m[2] << 24) | (m[3] << 16) |
                (m[4] << 8) | m[5]);
}

static const uint32_t t3_mode_regs[] = {
    T3_MAC_MODE, T3_MAC_TX_MODE, T3_MAC_RX_MODE, T3_SNDDATAI_MODE,
    T3_SNDDATAC_MODE, T3_SNDBDS_MODE, T3_SNDBDI_MODE, T3_SNDBDC_MODE,
    T3_RCVLPC_MODE, T3_RCVDBDI_MODE, T3_RCVDCC_MODE, T3_RCVBDI_MODE,
    T3_RCVCC_MODE, T3_RCVLSC_MODE, T3_MBFREE_MODE, T3_HOSTCC_MODE,
    T3_MEMARB_MODE, T3_BUFMGR_MODE, T3_RDMAC_MODE, T3_WDMAC_MODE,
    T3_DMAC_MODE, T3_MAC_STATUS, T3_MAC_EVENT, T3_NVRAM_SWARB,
};

/*
 * GRC_MISC_CFG core-clock reset (tg3_chip_reset, tg3.c:9161).  Model
 * choice (docs (f) 2): stop every block, clear mailboxes and ring
 * state, re-run "bootcode"; keep PCI config, MISC_HOST_CTRL,
 * MSGINT_MODE, CPMU, APE and PHY state.
 */
static void t3_core_reset(Tg3State *s)
{
    int i;

    for (i = 0; i < ARRAY_SIZE(t3_mode_regs); i++) {
        t3_set_reg(s, t3_mode_regs[i], 0);
    }
    for (i = 0x200; i < 0x400; i += 4) {
        t3_set_reg(s, i, 0);
    }
    for (i = T3_MAC_TX_STATS_OCTETS; i < T3_MAC_STATS_END; i += 4) {
        t3_set_reg(s, i, 0);
    }
    t3_set_reg(s, T3_RCVLPC_NO_RCV_BD_CNT, 0);
    t3_set_reg(s, T3_RCVLPC_IN_DISCARDS, 0);
    t3_set_reg(s, T3_RCVLPC_IN_ERRORS, 0);
    t3_set_reg(s, T3_MAC_MI_COM, 0);
    /*
     * Status block addresses: a reload with fewer vectors leaves the
     * higher ones unprogrammed (tg3_rings_reset, tg3.c:9647-9660), and
     * the chip must not write into memory the driver has freed.
     */
    t3_set_reg(s, T3_HOSTCC_STATUS_BLK, 0);
    t3_set_reg(s, T3_HOSTCC_STATUS_BLK + 4, 0);
    for (i = T3_HOSTCC_STATBLCK_RING1; i < T3_HOSTCC_STATBLCK_END; i += 4) {
        t3_set_reg(s, i, 0);
    }

    s->rx_std_cons = 0;
    s->rx_jmb_cons = 0;
    for (i = 0; i < T3_NUM_RINGS; i++) {
        s->rx_ret_prod[i] = 0;
        s->tx_cons[i] = 0;
    }
    for (i = 0; i < T3_NUM_VECS; i++) {
        s->tag[i] = 0;
        s->masked[i] = true;
        s->pending[i] = false;
    }
    s->link_chg = false;
    s->tx_len = 0;
    s->tx_oversize = false;
    t3_update_intx(s);
    t3_bootcode(s);
}

/* Power-on reset */
static void t3_reset(DeviceState *dev)
{
    Tg3State *s = TG3(dev);

    memset(s->regs, 0, sizeof(s->regs));
    memset(s->sram, 0, sizeof(s->sram));
    memset(s->ape, 0, sizeof(s->ape));
    t3_set_reg(s, T3_PCI_MISC_HOST_CTRL, T3_MHC_CHIPREV);
    t3_phy_reset(s);
    s->link_up = !qemu_get_queue(s->nic)->link_down;
    s->intx_level = false;
    pci_set_irq(PCI_DEVICE(s), 0);
    t3_core_reset(s);
}

/* ------------------------------------------------------------------ */
/* Receive                                                              */

static bool t3_std_bd_available(Tg3State *s)
{
    uint32_t size = t3_ring_size(t3_reg(s, T3_RCVDBDI_STD_BD +
                                        T3_BDINFO_MAXLEN_FLAGS));

    return (t3_reg(s, T3_MB_STD_PROD) & (size - 1)) != s->rx_std_cons;
}

static bool t3_rx_ready(Tg3State *s)
{
    return s->link_up && (t3_reg(s, T3_MAC_RX_MODE) & T3_RX_MODE_ENABLE) &&
           t3_enabled(s, T3_RCVBDI_MODE) && t3_enabled(s, T3_HOSTCC_MODE);
}

static bool t3_can_receive(NetClientState *nc)
{
    Tg3State *s = qemu_get_nic_opaque(nc);

    if (!t3_rx_ready(s)) {
        return false;
    }
    return s->drop_on_full || t3_std_bd_available(s);
}

/* MAC_HASH_REG_0..3: bit = ~crc32le(da) & 0x7f (tg3.c:9778-9784) */
static bool t3_mcast_match(Tg3State *s, const uint8_t *da)
{
    /* the driver's calc_crc() returns ~raw; net_crc32_le() returns raw */
    uint32_t bit = net_crc32_le(da, ETH_ALEN) & 0x7f;
    uint32_t reg = t3_reg(s, T3_MAC_HASH_REG_0 + 4 * ((bit & 0x60) >> 5));

    return reg & (1u << (bit & 0x1f));
}

static bool t3_rx_filter(Tg3State *s, const uint8_t *buf)
{
    int i;

    if (t3_reg(s, T3_MAC_RX_MODE) & T3_RX_MODE_PROMISC) {
        return true;
    }
    if (is_broadcast_ether_addr(buf)) {
        return true;
    }
    if (is_multicast_ether_addr(buf)) {
        return t3_mcast_match(s, buf);
    }
    for (i = 0; i < 4; i++) {
        uint32_t hi = t3_reg(s, T3_MAC_ADDR_0_HIGH + 8 * i);
        uint32_t lo = t3_reg(s, T3_MAC_ADDR_0_LOW + 8 * i);

        if (buf[0] == ((hi >> 8) & 0xff) && buf[1] == (hi & 0xff) &&
            ldl_be_p(buf + 2) == lo) {
            return true;
        }
    }
    return false;
}

static void t3_rx_discard(Tg3State *s)
{
    /* ethtool -S rx_discards / rxbds_empty (tg3.c:10942-10947) */
    t3_stat_add(s, T3_RCVLPC_IN_DISCARDS, 1);
    t3_stat_add(s, T3_RCVLPC_NO_RCV_BD_CNT, 1);
}

static uint16_t t3_l4(const uint8_t *p, size_t len, size_t *l3, size_t *l4,
                      uint8_t *proto);

/*
 * Toeplitz hash of @n bytes (n <= 36) over the 40-byte key of
 * MAC_RSS_HASH_KEY_0..9.  Model choice: key byte 4i+j is byte j, most
 * significant first, of register i (the driver fills the key with
 * random words, netdev_rss_key_fill, tg3.c:10613-10617, so only the
 * spread is observable).
 */
static uint32_t t3_toeplitz(Tg3State *s, const uint8_t *in, size_t n)
{
    uint8_t key[T3_RSS_KEY_SIZE];
    uint32_t h = 0, v;
    size_t i;
    int b;

    for (i = 0; i < T3_RSS_KEY_SIZE / 4; i++) {
        stl_be_p(key + 4 * i, t3_reg(s, T3_MAC_RSS_HASH_KEY_0 + 4 * i));
    }
    v = ldl_be_p(key);
    for (i = 0; i < n; i++) {
        for (b = 7; b >= 0; b--) {
            if (in[i] & (1 << b)) {
                h ^= v;
            }
            v = (v << 1) | ((key[i + 4] >> b) & 1);
        }
    }
    return h;
}

/*
 * The return ring of a received frame under RSS (MAC_RX_MODE
 * RSS_ENABLE, tg3.c:10630-10635).  Hash input as in Microsoft's RSS
 * spec: IPv4 (with RSS_IPV4 or RSS_TCP4) source and destination
 * address, IPv6 likewise (RSS_IPV6/RSS_TCP6), then source and
 * destination port with RSS_TCP4/RSS_TCP6 for TCP and, a model choice,
 * UDP (the driver has no UDP bit; without ports all flows between two
 * hosts would share one ring); IPv4 fragments hash their addresses
 * only.  The low ITBL_HASH_BITS (7) bits of the hash index the table,
 * whose entry i is the nibble at bits 31:28 - 4 * (i % 8) of
 * MAC_RSS_INDIR_TBL_0 + 4 * (i / 8) (tg3_rss_write_indir_tbl,
 * tg3.c:9844-9858); entry k is return ring k, i.e. vector k + 1.
 * Non-IP frames, and IP ones of a type not enabled, go to ring 0.
 * One flow always hashes to one ring, and a ring is filled in arrival
 * order, so the frames of a flow stay in order.
 */
static int t3_rss_ring(Tg3State *s, const uint8_t *p, size_t len)
{
    uint32_t mode = t3_reg(s, T3_MAC_RX_MODE);
    uint32_t bits = T3_RX_MODE_RSS_BITS(mode), idx, h;
    uint8_t in[36], proto = 0;
    size_t l3, l4, n;
    uint16_t type;
    bool ports;

    type = t3_l4(p, len, &l3, &l4, &proto);
    if (type == ETH_P_IP &&
        (mode & (T3_RX_MODE_RSS_IPV4 | T3_RX_MODE_RSS_TCP4))) {
        memcpy(in, p + l3 + 12, 8);
        n = 8;
        ports = (mode & T3_RX_MODE_RSS_TCP4) &&
                !(lduw_be_p(p + l3 + 6) & 0x3fff);     /* MF, offset */
    } else if (type == ETH_P_IPV6 &&
               (mode & (T3_RX_MODE_RSS_IPV6 | T3_RX_MODE_RSS_TCP6))) {
        memcpy(in, p + l3 + 8, 32);
        n = 32;
        ports = mode & T3_RX_MODE_RSS_TCP6;
    } else {
        return 0;
    }
    if (ports && (proto == IP_PROTO_TCP || proto == IP_PROTO_UDP) &&
        l4 + 4 <= len) {
        memcpy(in + n, p + l4, 4);
        n += 4;
    }
    h = t3_toeplitz(s, in, n);
    idx = h & ((1u << (bits ? bits : 7)) - 1) & 0x7f;
    /* entries are 4 bits; model choice: the low 2 pick one of 4 rings */
    return (t3_reg(s, T3_MAC_RSS_INDIR_TBL_0 + 4 * (idx / 8)) >>
            (28 - 4 * (idx % 8))) & (T3_NUM_RINGS - 1);
}

static ssize_t t3_receive(NetClientState *nc, const uint8_t *buf,
                          size_t size)
{
    Tg3State *s = qemu_get_nic_opaque(nc);
    PCIDevice *d = PCI_DEVICE(s);
    uint8_t frame[ETH_ZLEN];
    uint8_t bd[T3_RXD_SIZE];
    uint8_t rbd[T3_RXD_SIZE];
    const uint8_t *data = buf;
    size_t len = size;
    uint32_t std_size, ret_size, ret_cons, flags = T3_RXD_FLAG_END;
    uint32_t vlan = 0, buflen, opaque, rcb, mtu;
    dma_addr_t std_base, ret_base, bufaddr;
    bool rss = t3_reg(s, T3_MAC_RX_MODE) & T3_RX_MODE_RSS_ENABLE;
    int ring = 0;

    if (!t3_rx_ready(s) || size < ETH_HLEN) {
        return size;
    }
    if (!t3_rx_filter(s, buf)) {
        return size;
    }

    /*
     * A frame on the wire has 60 bytes + FCS at least; the tap may hand
     * over less.  Padded before the tag is stripped, as on the wire: a
     * 60-byte tagged frame reaches the host as 56 bytes and its tag,
     * and the capture hook must give back those 60 bytes, not 64.
     */
    if (len < ETH_ZLEN) {
        memcpy(frame, data, len);
        memset(frame + len, 0, ETH_ZLEN - len);
        data = frame;
        len = ETH_ZLEN;
    }
    /* VLAN strip unless RX_MODE_KEEP_VLAN_TAG (tg3.c:9754-9760) */
    if (!(t3_reg(s, T3_MAC_RX_MODE) & T3_RX_MODE_KEEP_VLAN) &&
        len >= ETH_HLEN + 4 && lduw_be_p(data + 12) == ETH_P_VLAN &&
        len <= sizeof(s->rx_buf)) {
        vlan = lduw_be_p(data + 14);
        memcpy(s->rx_buf, data, 12);
        memcpy(s->rx_buf + 12, data + 16, len - 16);
        data = s->rx_buf;
        len -= 4;
        flags |= T3_RXD_FLAG_VLAN;
    }
    /* MAC_RX_MTU_SIZE = mtu + 14 + FCS + VLAN (tg3.c:10248-10249) */
    mtu = t3_reg(s, T3_MAC_RX_MTU_SIZE);
    if (mtu && len + 4 > mtu) {
        t3_stat_add(s, T3_MAC_RX_STATS_TOO_LONG, 1);
        return size;
    }

    /* standard producer ring; jumbo ring is stage 2 */
    std_size = t3_ring_size(t3_reg(s, T3_RCVDBDI_STD_BD +
                                   T3_BDINFO_MAXLEN_FLAGS));
    if (!t3_std_bd_available(s)) {
        if (!s->drop_on_full) {
            return 0;       /* queued; flushed on the next mailbox write */
        }
        t3_rx_discard(s);
        return size;
    }

    /*
     * Return ring 0, or the hash's with RSS; the RCBs live in SRAM
     * (tg3_rx_ret_rcbs_init, tg3.c:9583-9601: ring k at 0x200 + 16k
     * serves vector k + 1 under RSS; a ring the driver does not use
     * stays DISABLED)
     */
    if (rss) {
        ring = t3_rss_ring(s, data, len);
    }
    rcb = T3_SRAM_RCV_RET_RCB + 16 * ring;
    if (t3_sram(s, rcb + T3_BDINFO_MAXLEN_FLAGS) & T3_BDINFO_DISABLED) {
        t3_rx_discard(s);
        return size;
    }
    ret_size = t3_ring_size(t3_sram(s, rcb + T3_BDINFO_MAXLEN_FLAGS));
    ret_base = t3_addr64(t3_sram(s, rcb + T3_BDINFO_HOST_HI),
                         t3_sram(s, rcb + T3_BDINFO_HOST_LO));
    ret_cons = t3_reg(s, T3_MB_RET_CON_0 + 8 * ring) & (ret_size - 1);
    if (((s->rx_ret_prod[ring] + 1) & (ret_size - 1)) == ret_cons) {
        t3_rx_discard(s);
        return size;
    }

    std_base = t3_addr64(t3_reg(s, T3_RCVDBDI_STD_BD + T3_BDINFO_HOST_HI),
                         t3_reg(s, T3_RCVDBDI_STD_BD + T3_BDINFO_HOST_LO));
    pci_dma_read(d, std_base + (dma_addr_t)s->rx_std_cons * T3_RXD_SIZE,
                 bd, sizeof(bd));
    bufaddr = t3_addr64(ldl_le_p(bd + 0), ldl_le_p(bd + 4));
    buflen = ldl_le_p(bd + 8) & 0xffff;
    opaque = ldl_le_p(bd + 28);
    if (len + 4 > buflen) {
        /* would need the jumbo ring (stage 2) */
        t3_stat_add(s, T3_RCVLPC_IN_ERRORS, 1);
        return size;
    }
    pci_dma_write(d, bufaddr, data, len);

    /* return BD: idx_len includes the FCS (tg3.c:6873) */
    memset(rbd, 0, sizeof(rbd));
    stl_le_p(rbd + 0, ldl_le_p(bd + 0));
    stl_le_p(rbd + 4, ldl_le_p(bd + 4));
    stl_le_p(rbd + 8, (s->rx_std_cons << 16) | (uint32_t)(len + 4));
    stl_le_p(rbd + 12, flags);                  /* type 0, no csum claims */
    stl_le_p(rbd + 20, vlan);                   /* err_vlan: no errors */
    stl_le_p(rbd + 28, opaque);                 /* the driver's cookie */
    pci_dma_write(d, ret_base + (dma_addr_t)s->rx_ret_prod[ring] *
                  T3_RXD_SIZE, rbd, sizeof(rbd));

    s->rx_std_cons = (s->rx_std_cons + 1) & (std_size - 1);
    s->rx_ret_prod[ring] = (s->rx_ret_prod[ring] + 1) & (ret_size - 1);

    t3_stat_frame(s, data, len, true);

    /* with RSS vector 0 carries no RX (tg3_alloc_consistent, 8781) */
    t3_post_status(s, rss ? ring + 1 : 0);
    return size;
}

/* ------------------------------------------------------------------ */
/* Transmit                                                             */

/*
 * Where an Ethernet frame's (802.1Q-tagged or not) IPv4 or IPv6 header
 * (*l3) and transport header (*l4) start, and the transport protocol:
 * the frame's IP ethertype, or 0 when it is neither or too short.  No
 * IPv6 extension headers.
 */
static uint16_t t3_l4(const uint8_t *p, size_t len, size_t *l3, size_t *l4,
                      uint8_t *proto)
{
    uint16_t type = lduw_be_p(p + 12);

    *l3 = ETH_HLEN;
    if (type == ETH_P_VLAN && len >= ETH_HLEN + 4) {
        type = lduw_be_p(p + 16);
        *l3 += 4;
    }
    if (type == ETH_P_IP && len >= *l3 + 20) {
        *proto = p[*l3 + 9];
        *l4 = *l3 + (p[*l3] & 0xf) * 4;
        return type;
    }
    if (type == ETH_P_IPV6 && len >= *l3 + 40) {
        *proto = p[*l3 + 6];
        *l4 = *l3 + 40;
        return type;
    }
    return 0;
}

/* Finish a CHECKSUM_PARTIAL TCP/UDP checksum: the field already holds
 * the pseudo-header sum (GRC_MODE_NO_TX_PHDR_CSUM, tg3.c:10066-10072). */
static void t3_tx_csum(uint8_t *p, size_t len)
{
    size_t l3, l4;
    uint8_t proto;
    uint32_t sum;
    size_t off;

    if (!t3_l4(p, len, &l3, &l4, &proto)) {
        return;
    }
    if (proto == IP_PROTO_TCP) {
        off = l4 + 16;
    } else if (proto == IP_PROTO_UDP) {
        off = l4 + 6;
    } else {
        return;
    }
    if (off + 2 > len) {
        return;
    }
    sum = net_checksum_add(len - l4, p + l4);
    sum = net_checksum_finish(sum);
    if (proto == IP_PROTO_UDP && sum == 0) {
        sum = 0xffff;
    }
    stw_be_p(p + off, sum);
}

/* Put one finished frame on the wire and count it. */
static void t3_tx_emit(Tg3State *s, uint8_t *p, size_t len)
{
    t3_stat_frame(s, p, len, false);
    qemu_send_packet(qemu_get_queue(s->nic), p, len);
}

/*
 * TSO, HW_TSO_3 style (tg3_start_xmit, lines 7945-8003 of 6.1.192's
 * tg3.c; those of the docs are a few lines off): the BD's mss word
 * holds the mss in bits 0-13 (bits 14-15 and BD flag bits 4 and 10-14
 * carry the header length, which we take from the headers instead);
 * IPv4 tot_len holds mss + headers and check 0, the TCP check is 0.
 * Cut the payload into mss pieces, each with a copy of the headers:
 * IPv4 total length, ID + i and header checksum, IPv6 payload length,
 * TCP seq + offset, FIN and PSH on the last piece only, CWR on the
 * first only (as Linux's own GSO does), TCP checksum over the pseudo
 * header.  IPv4/IPv6 TCP without IPv6 extension headers; anything
 * else is dropped and logged.
 */
static void t3_tx_tso(Tg3State *s, uint8_t *p, size_t len, uint32_t mss)
{
    size_t l3, l4, hlen, off, n;
    uint16_t type;
    uint8_t proto = 0;
    bool v4;
    uint8_t *seg;
    uint32_t seq, sum, i;
    uint16_t id = 0;

    type = t3_l4(p, len, &l3, &l4, &proto);
    if (!type || proto != IP_PROTO_TCP) {
        qemu_log_mask(LOG_UNIMP, "tg3: TSO frame not IPv4/IPv6 TCP "
                      "dropped\n");
        return;
    }
    v4 = type == ETH_P_IP;
    if (v4) {
        id = lduw_be_p(p + l3 + 4);
    }
    if (mss == 0 || l4 + 20 > len || l4 + (p[l4 + 12] >> 4) * 4 > len) {
        qemu_log_mask(LOG_GUEST_ERROR, "tg3: bad TSO frame (%zu bytes, "
                      "mss %u) dropped\n", len, mss);
        return;
    }
    hlen = l4 + (p[l4 + 12] >> 4) * 4;
    seq = ldl_be_p(p + l4 + 4);
    seg = g_malloc(hlen + mss);
    memcpy(seg, p, hlen);
    off = hlen;
    i = 0;
    do {
        uint16_t tcplen;
        bool last;

        n = MIN(mss, len - off);
        last = off + n >= len;
        memcpy(seg + hlen, p + off, n);
        tcplen = hlen - l4 + n;
        if (v4) {
            stw_be_p(seg + l3 + 2, hlen - l3 + n);
            stw_be_p(seg + l3 + 4, id + i);
            stw_be_p(seg + l3 + 10, 0);
            stw_be_p(seg + l3 + 10, net_raw_checksum(seg + l3, l4 - l3));
        } else {
            stw_be_p(seg + l3 + 4, hlen - l4 + n);
        }
        stl_be_p(seg + l4 + 4, seq + (off - hlen));
        seg[l4 + 13] = p[l4 + 13];
        if (!last) {
            seg[l4 + 13] &= ~(TH_FIN | TH_PUSH);
        }
        if (i > 0) {
            seg[l4 + 13] &= ~TH_CWR;
        }
        /* pseudo header: addresses, protocol, TCP length */
        stw_be_p(seg + l4 + 16, 0);
        sum = v4 ? net_checksum_add(8, seg + l3 + 12)
                 : net_checksum_add(32, seg + l3 + 8);
        sum += IP_PROTO_TCP + tcplen;
        sum += net_checksum_add(tcplen, seg + l4);
        stw_be_p(seg + l4 + 16, net_checksum_finish(sum));
        t3_tx_emit(s, seg, hlen + n);
        off += n;
        i++;
    } while (off < len);
    g_free(seg);
}

static void t3_tx_send(Tg3State *s, uint8_t *p, size_t len, uint32_t flags,
                       uint32_t vlan_mss)
{
    if (len < ETH_HLEN) {
        /* len - 12 below would wrap: the guest gave less than a header */
        qemu_log_mask(LOG_GUEST_ERROR, "tg3: TX frame of %zu bytes dropped\n",
                      len);
        return;
    }
    if (flags & T3_TXD_FLAG_VLAN) {
        if (len + 4 > sizeof(s->tx_buf)) {
            return;
        }
        memmove(p + 16, p + 12, len - 12);
        stw_be_p(p + 12, ETH_P_VLAN);
        stw_be_p(p + 14, vlan_mss & 0xffff);
        len += 4;
    }
    if ((flags & T3_TXD_FLAG_TSO) && (vlan_mss >> 16)) {
        t3_tx_tso(s, p, len, (vlan_mss >> 16) & 0x3fff);
        return;
    }
    if (flags & T3_TXD_FLAG_TCPUDP_CSUM) {
        t3_tx_csum(p, len);
    }
    t3_tx_emit(s, p, len);
}

/* Send ring k: BDs between our consumer and the producer mailbox. */
static void t3_tx_kick(Tg3State *s, int ring)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint32_t rcb = T3_SRAM_SEND_RCB + 16 * ring;
    uint32_t mbox = T3_MB_SND_PROD_BASE + 4 * (ring ^ 1);
    uint32_t maxlen = t3_sram(s, rcb + T3_BDINFO_MAXLEN_FLAGS);
    uint32_t size, prod;
    dma_addr_t base;
    uint8_t bd[T3_TXD_SIZE];
    bool done = false;

    if (!(t3_reg(s, T3_MAC_TX_MODE) & T3_TX_MODE_ENABLE) ||
        !t3_enabled(s, T3_SNDBDS_MODE) || (maxlen & T3_BDINFO_DISABLED)) {
        return;
    }
    size = t3_ring_size(maxlen);
    base = t3_addr64(t3_sram(s, rcb + T3_BDINFO_HOST_HI),
                     t3_sram(s, rcb + T3_BDINFO_HOST_LO));
    prod = t3_reg(s, mbox) & (size - 1);

    while (s->tx_cons[ring] != prod) {
        uint32_t len_flags, len;
        dma_addr_t addr;

        pci_dma_read(d, base + (dma_addr_t)s->tx_cons[ring] * T3_TXD_SIZE,
                     bd, sizeof(bd));
        addr = t3_addr64(ldl_le_p(bd + 0), ldl_le_p(bd + 4));
        len_flags = ldl_le_p(bd + 8);
        len = len_flags >> 16;
        if (s->tx_len == 0 && !s->tx_oversize) {
            /*
             * The first BD of a frame carries its flags (tg3.c:8066);
             * kept in the state, as a frame may span two mailbox writes.
             */
            s->tx_flags = len_flags & 0xffff;
            s->tx_vlan_mss = ldl_le_p(bd + 12);
        }
        if (s->tx_len + len <= sizeof(s->tx_buf) - 4) {
            pci_dma_read(d, addr, s->tx_buf + s->tx_len, len);
            s->tx_len += len;
        } else {
            s->tx_oversize = true;      /* drop it, do not truncate it */
        }
        if (len_flags & T3_TXD_FLAG_END) {
            if (s->tx_oversize) {
                qemu_log_mask(LOG_GUEST_ERROR,
                              "tg3: TX frame over %zu bytes dropped\n",
                              sizeof(s->tx_buf) - 4);
            } else {
                t3_tx_send(s, s->tx_buf, s->tx_len, s->tx_flags,
                           s->tx_vlan_mss);
            }
            s->tx_len = 0;
            s->tx_oversize = false;
        }
        s->tx_cons[ring] = (s->tx_cons[ring] + 1) & (size - 1);
        done = true;
    }
    if (done) {
        bool tss = t3_reg(s, T3_SNDBDI_MODE) & T3_SNDBDI_MULTI_TXQ_EN;
        t3_post_status(s, tss ? ring + 1 : 0);
    }
}

/* ------------------------------------------------------------------ */
/* Register file                                                        */

static uint32_t t3_reg_read(Tg3State *s, uint32_t off);
static void t3_reg_write(Tg3State *s, uint32_t off, uint32_t val);

static uint32_t t3_reg_read(Tg3State *s, uint32_t off)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint32_t val;

    off &= ~3u;
    if (off < 0x100) {
        switch (off) {
        case T3_PCI_MISC_HOST_CTRL:
            return (t3_reg(s, off) & 0xffff) | T3_MHC_CHIPREV;
        case T3_PCI_PCISTATE:
            /* INT_NOT_ACTIVE: read by tg3_interrupt_tagged (tg3.c:7557) */
            return (t3_reg(s, off) & ~T3_PCISTATE_INT_NOT_ACTIVE) |
                   (s->intx_level ? 0 : T3_PCISTATE_INT_NOT_ACTIVE);
        case T3_PCI_REG_DATA: {
            uint32_t target = t3_reg(s, T3_PCI_REG_BASE_ADDR);
            if (target < 0x100 || target >= T3_REGS_SIZE) {
                return 0;
            }
            return t3_reg_read(s, target);
        }
        case T3_PCI_MEM_WIN_DATA:
            return t3_sram(s, t3_reg(s, T3_PCI_MEM_WIN_BASE));
        case T3_PCI_GEN2_PRODID:
            return T3_CHIPREV_5719_A1;
        case T3_PCI_GEN15_PRODID:
            return 0;
        default:
            if (off >= T3_PCI_MISC_HOST_CTRL && off < T3_PCI_PRIV_END) {
                return t3_reg(s, off);
            }
            /* the rest of 0x00-0xff mirrors PCI config space */
            return pci_default_read_config(d, off, 4);
        }
    }

    val = t3_reg(s, off);
    if ((off >= T3_MAC_TX_STATS_OCTETS && off < T3_MAC_STATS_END) ||
        off == T3_RCVLPC_NO_RCV_BD_CNT || off == T3_RCVLPC_IN_DISCARDS ||
        off == T3_RCVLPC_IN_ERRORS) {
        /* clear on read: tg3_periodic_fetch_stats adds them up */
        t3_set_reg(s, off, 0);
    }
    return val;
}

static void t3_reg_write(Tg3State *s, uint32_t off, uint32_t val)
{
    uint32_t old;
    int i;

    off &= ~3u;
    if (off < 0x100) {
        switch (off) {
        case T3_PCI_MISC_HOST_CTRL:
            /* bits 31:16 read-only chip rev; bit 1 masks INTx */
            t3_set_reg(s, off, val & 0xffff & ~T3_MHC_CLEAR_INT);
            t3_update_intx(s);
            return;
        case T3_PCI_PCISTATE:
            t3_set_reg(s, off, val & ~T3_PCISTATE_INT_NOT_ACTIVE);
            return;
        case T3_PCI_REG_DATA: {
            uint32_t target = t3_reg(s, T3_PCI_REG_BASE_ADDR);
            if (target >= 0x100 && target < T3_REGS_SIZE) {
                t3_reg_write(s, target, val);
            }
            return;
        }
        case T3_PCI_MEM_WIN_DATA:
            t3_set_sram(s, t3_reg(s, T3_PCI_MEM_WIN_BASE), val);
            return;
        default:
            if (off >= T3_PCI_MISC_HOST_CTRL && off < T3_PCI_PRIV_END) {
                t3_set_reg(s, off, val);
            }
            /* writes to standard config space through BAR 0: ignored */
            return;
        }
    }

    /* mailboxes 0x200-0x3ff */
    if (off >= 0x200 && off < 0x400) {
        t3_set_reg(s, off, val);
        if (off >= T3_MB_INT_0 && off <= T3_MB_INT_0 + 8 * 4 &&
            !((off - T3_MB_INT_0) & 7)) {
            t3_int_mbox_write(s, (off - T3_MB_INT_0) / 8, val);
        } else if (off == T3_MB_STD_PROD || off == T3_MB_JMB_PROD) {
            qemu_flush_queued_packets(qemu_get_queue(s->nic));
        } else if (off >= T3_MB_SND_PROD_BASE &&
                   off < T3_MB_SND_PROD_BASE + 4 * T3_NUM_RINGS) {
            t3_tx_kick(s, ((off - T3_MB_SND_PROD_BASE) / 4) ^ 1);
        }
        return;
    }

    old = t3_reg(s, off);
    switch (off) {
    case T3_MAC_STATUS:
        /* change bits are write-one-to-clear */
        t3_set_reg(s, off, old & ~(val & T3_MAC_STATUS_CHANGE_BITS));
        return;
    case T3_MAC_MI_COM:
        t3_mi_com_write(s, val);
        return;
    case T3_MAC_RX_MODE:
        t3_set_reg(s, off, val);
        if ((val & T3_RX_MODE_ENABLE) && !(old & T3_RX_MODE_ENABLE)) {
            qemu_flush_queued_packets(qemu_get_queue(s->nic));
        }
        return;
    case T3_MAC_TX_MODE:
        t3_set_reg(s, off, val);
        if ((val & T3_TX_MODE_ENABLE) && !(old & T3_TX_MODE_ENABLE)) {
            for (i = 0; i < T3_NUM_RINGS; i++) {
                t3_tx_kick(s, i);
            }
        }
        return;
    case T3_HOSTCC_MODE:
        /* NOW bits self-clear and post status blocks (tg3_test_msi) */
        t3_set_reg(s, off, val & ~T3_HOSTCC_NOW_MASK);
        if (val & T3_HOSTCC_ENABLE) {
            if (val & T3_HOSTCC_NOW) {
                t3_post_status(s, 0);
            }
            for (i = 1; i < T3_NUM_VECS; i++) {
                if (val & (T3_HOSTCC_VEC1_NOW << (i - 1))) {
                    t3_post_status(s, i);
                }
            }
        }
        return;
    case T3_GRC_MISC_CFG:
        t3_set_reg(s, off, val & ~T3_GRC_MISC_CFG_CORECLK_RESET);
        if (val & T3_GRC_MISC_CFG_CORECLK_RESET) {
            t3_core_reset(s);
        }
        return;
    case T3_GRC_LOCAL_CTRL:
        t3_set_reg(s, off, val & ~(T3_GRC_LCLCTRL_SETINT |
                                   T3_GRC_LCLCTRL_CLEARINT));
        if (val & T3_GRC_LCLCTRL_SETINT) {
            t3_raise(s, 0);
        } else if (val & T3_GRC_LCLCTRL_CLEARINT) {
            s->pending[0] = false;
            t3_update_intx(s);
        }
        return;
    case T3_NVRAM_SWARB:
        /* REQ_SETn (bit n) grants GNTn (bit 8+n); REQ_CLRn (bit 4+n) */
        for (i = 0; i < 4; i++) {
            if (val & (1u << i)) {
                old |= 1u << (8 + i);
            }
            if (val & (1u << (4 + i))) {
                old &= ~(1u << (8 + i));
            }
        }
        t3_set_reg(s, off, old);
        return;
    case T3_NVRAM_CMD:
        /* no NVRAM (NVRAM_CFG1 = 0): complete at once */
        t3_set_reg(s, off, val | T3_NVRAM_CMD_DONE);
        return;
    case T3_NVRAM_CFG1:
        t3_set_reg(s, off, 0);
        return;
    default:
        if (off >= T3_MAC_TX_STATS_OCTETS && off < T3_MAC_STATS_END) {
            return;                     /* counters are read-only */
        }
        t3_set_reg(s, off, val);
        return;
    }
}

/* BAR 0: registers and the 32 KiB SRAM window at MEM_WIN_BASE */
static uint64_t t3_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Tg3State *s = opaque;

    if (addr >= T3_REGS_SIZE) {
        uint32_t base = t3_reg(s, T3_PCI_MEM_WIN_BASE) & ~0x7fffu;
        return t3_sram(s, base + (addr - T3_REGS_SIZE));
    }
    return t3_reg_read(s, addr);
}

static void t3_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    Tg3State *s = opaque;

    if (addr >= T3_REGS_SIZE) {
        uint32_t base = t3_reg(s, T3_PCI_MEM_WIN_BASE) & ~0x7fffu;
        t3_set_sram(s, base + (addr - T3_REGS_SIZE), val);
        return;
    }
    t3_reg_write(s, addr, val);
}

static const MemoryRegionOps t3_mmio_ops = {
    .read = t3_mmio_read,
    .write = t3_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/*
 * BAR 2, APE.  Only the per-function locks behave: a request is granted
 * at once (tg3_ape_lock polls GRANT == bit, tg3.c:749-757), a write to
 * GRANT releases.  APE_SEG_SIG (0x4000) reads 0 = "no APE firmware", so
 * tg3_ape_send_event() gives up (tg3.c:915-917).  Everything else is
 * scratch storage.
 */
static uint64_t t3_ape_read(void *opaque, hwaddr addr, unsigned size)
{
    Tg3State *s = opaque;

    return s->ape[(addr & (T3_APE_SIZE - 1)) >> 2];
}

static void t3_ape_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    Tg3State *s = opaque;

    addr &= T3_APE_SIZE - 4;
    if (addr >= T3_APE_PER_LOCK_REQ && addr < T3_APE_PER_LOCK_REQ + 32) {
        s->ape[(addr - T3_APE_PER_LOCK_REQ + T3_APE_PER_LOCK_GRANT) >> 2] =
            val;
        return;
    }
    if (addr >= T3_APE_PER_LOCK_GRANT && addr < T3_APE_PER_LOCK_GRANT + 32) {
        s->ape[addr >> 2] = 0;
        return;
    }
    s->ape[addr >> 2] = val;
}

static const MemoryRegionOps t3_ape_ops = {
    .read = t3_ape_read,
    .write = t3_ape_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* ------------------------------------------------------------------ */
/* PCI config space: 0x68-0x9f and 0xf4/0xfc are tg3 registers          */

static bool t3_cfg_is_private(uint32_t addr)
{
    return (addr >= T3_PCI_MISC_HOST_CTRL && addr < T3_PCI_PRIV_END) ||
           (addr >= T3_PCI_GEN2_PRODID && addr < T3_PCI_GEN2_PRODID + 4) ||
           (addr >= T3_PCI_GEN15_PRODID && addr < T3_PCI_GEN15_PRODID + 4);
}

static uint32_t t3_config_read(PCIDevice *d, uint32_t addr, int len)
{
    Tg3State *s = TG3(d);
    uint32_t shift, val;

    if (!t3_cfg_is_private(addr) || (addr & 3) + len > 4) {
        return pci_default_read_config(d, addr, len);
    }
    shift = (addr & 3) * 8;
    val = t3_reg_read(s, addr & ~3u) >> shift;
    return len == 4 ? val : val & ((1u << (len * 8)) - 1);
}

static void t3_config_write(PCIDevice *d, uint32_t addr, uint32_t val,
                            int len)
{
    Tg3State *s = TG3(d);
    uint32_t shift, mask, cur;

    if (!t3_cfg_is_private(addr) || (addr & 3) + len > 4) {
        pci_default_write_config(d, addr, val, len);
        if (range_covers_byte(addr, len, PCI_COMMAND) ||
            ranges_overlap(addr, len, T3_CAP_MSI, 0x10) ||
            ranges_overlap(addr, len, T3_CAP_MSIX, MSIX_CAP_LENGTH)) {
            /* bus master / MSI / MSI-X enable changed */
            t3_update_intx(s);
        }
        return;
    }
    if (addr >= T3_PCI_GEN2_PRODID) {
        return;                     /* product id registers are read-only */
    }
    shift = (addr & 3) * 8;
    mask = len == 4 ? 0xffffffffu : ((1u << (len * 8)) - 1) << shift;
    if (len == 4) {
        cur = val;
    } else {
        /* read-modify-write without the side effects of the data ports */
        cur = (t3_reg(s, addr & ~3u) & ~mask) | ((val << shift) & mask);
    }
    t3_reg_write(s, addr & ~3u, cur);
}

/* ------------------------------------------------------------------ */
/* QEMU glue                                                            */

static void t3_set_link_status(NetClientState *nc)
{
    Tg3State *s = qemu_get_nic_opaque(nc);
    bool up = !nc->link_down;

    if (up == s->link_up) {
        return;
    }
    s->link_up = up;
    s->mii[0x1a] |= 0x0002;                     /* ISTAT LINKCHG */
    t3_set_reg(s, T3_MAC_STATUS, t3_reg(s, T3_MAC_STATUS) |
               T3_MAC_STATUS_LNKSTATE_CHANGED);
    /* tg3_poll_link() reacts to SD_STATUS_LINK_CHG (tg3.c:7015-7035) */
    if (t3_reg(s, T3_MAC_EVENT) & T3_MAC_EVENT_LNKSTATE_CHANGED) {
        s->link_chg = true;
        t3_post_status(s, 0);
    }
    if (up) {
        qemu_flush_queued_packets(qemu_get_queue(s->nic));
    }
}

static NetClientInfo t3_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = t3_can_receive,
    .receive = t3_receive,
    .link_status_changed = t3_set_link_status,
};

static void t3_realize(PCIDevice *d, Error **errp)
{
    Tg3State *s = TG3(d);
    DeviceState *dev = DEVICE(d);
    int ret;

    d->config[PCI_INTERRUPT_PIN] = 1;
    d->config[PCI_CACHE_LINE_SIZE] = 0x10;

    memory_region_init_io(&s->mmio, OBJECT(s), &t3_mmio_ops, s,
                          "tg3-mmio", T3_BAR0_SIZE);
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);
    /* the driver maps BAR 2 for every 5717-class id (tg3.c:17686-17711) */
    memory_region_init_io(&s->ape_mmio, OBJECT(s), &t3_ape_ops, s,
                          "tg3-ape", T3_APE_SIZE);
    pci_register_bar(d, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->ape_mmio);

    ret = msi_init(d, T3_CAP_MSI, 1, true, false, errp);
    if (ret) {
        return;
    }
    /*
     * MSI-X (stage 3, "msix" property, default on): 5 vectors =
     * TG3_IRQ_MAX_VECS, what tg3 asks for at most (irq_max, tg3.c:
     * 16380-16391); table and PBA in BAR 4.  Without it the driver
     * falls back to MSI, then INTx (tg3_ints_init, tg3.c:11526-11551).
     */
    if (s->msix) {
        int i;

        memory_region_init(&s->msix_bar, OBJECT(s), "tg3-msix",
                           T3_MSIX_BAR_SIZE);
        pci_register_bar(d, 4, PCI_BASE_ADDRESS_SPACE_MEMORY |
                         PCI_BASE_ADDRESS_MEM_TYPE_64, &s->msix_bar);
        ret = msix_init(d, T3_NUM_VECS, &s->msix_bar, 4, T3_MSIX_TABLE,
                        &s->msix_bar, 4, T3_MSIX_PBA, T3_CAP_MSIX, errp);
        if (ret) {
            msi_uninit(d);
            return;
        }
        for (i = 0; i < T3_NUM_VECS; i++) {
            msix_vector_use(d, i);      /* 7.2: else msix_notify drops it */
        }
    }
    if (pcie_endpoint_cap_v1_init(d, T3_CAP_PCIE) < 0) {
        error_setg(errp, "tg3: cannot add the PCIe capability");
        return;
    }

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    /* Debian's 7.2.22 has the reentrancy guard (CVE-2023-3019) */
    s->nic = qemu_new_nic(&t3_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), dev->id,
                          &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
}

static void t3_exit(PCIDevice *d)
{
    Tg3State *s = TG3(d);

    qemu_del_nic(s->nic);
    pcie_cap_exit(d);
    if (msix_present(d)) {
        msix_unuse_all_vectors(d);
        msix_uninit(d, &s->msix_bar, &s->msix_bar);
    }
    msi_uninit(d);
}

static const VMStateDescription t3_vmstate = {
    .name = "tg3",
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, Tg3State),
        VMSTATE_MSIX(parent_obj, Tg3State),     /* nothing without msix */
        VMSTATE_UINT32_ARRAY(regs, Tg3State, T3_REGS_SIZE / 4),
        VMSTATE_UINT32_ARRAY(ape, Tg3State, T3_APE_SIZE / 4),
        VMSTATE_UINT32_ARRAY(sram, Tg3State, T3_SRAM_SIZE / 4),
        VMSTATE_UINT32(rx_std_cons, Tg3State),
        VMSTATE_UINT32(rx_jmb_cons, Tg3State),
        VMSTATE_UINT32_ARRAY(rx_ret_prod, Tg3State, T3_NUM_RINGS),
        VMSTATE_UINT32_ARRAY(tx_cons, Tg3State, T3_NUM_RINGS),
        VMSTATE_UINT32_ARRAY(tag, Tg3State, T3_NUM_VECS),
        VMSTATE_BOOL_ARRAY(masked, Tg3State, T3_NUM_VECS),
        VMSTATE_BOOL_ARRAY(pending, Tg3State, T3_NUM_VECS),
        VMSTATE_BOOL(link_chg, Tg3State),
        VMSTATE_BOOL(intx_level, Tg3State),
        VMSTATE_UINT16_ARRAY(mii, Tg3State, 32),
        VMSTATE_UINT16_ARRAY(auxctl, Tg3State, 8),
        VMSTATE_UINT8(auxctl_rdsel, Tg3State),
        VMSTATE_UINT16_ARRAY(shdw, Tg3State, 32),
        VMSTATE_UINT8(shdw_sel, Tg3State),
        VMSTATE_UINT16(mmd_ctrl, Tg3State),
        VMSTATE_UINT16(mmd_addr, Tg3State),
        VMSTATE_UINT16(mmd_eee_adv, Tg3State),
        VMSTATE_BOOL(link_up, Tg3State),
        VMSTATE_END_OF_LIST()
    },
};

static Property t3_properties[] = {
    DEFINE_NIC_PROPERTIES(Tg3State, conf),
    DEFINE_PROP_BOOL("drop-on-full", Tg3State, drop_on_full, true),
    DEFINE_PROP_BOOL("msix", Tg3State, msix, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void t3_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = t3_realize;
    k->exit = t3_exit;
    k->config_read = t3_config_read;
    k->config_write = t3_config_write;
    k->vendor_id = T3_VENDOR_BROADCOM;
    k->device_id = T3_DEVICE_5719;
    k->revision = 0x01;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    k->subsystem_vendor_id = T3_VENDOR_BROADCOM;
    k->subsystem_id = T3_DEVICE_5719;
    dc->desc = "Broadcom BCM5719 Gigabit Ethernet (tg3, tg3cap test model)";
    dc->reset = t3_reset;
    dc->vmsd = &t3_vmstate;
    device_class_set_props(dc, t3_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo t3_info = {
    .name = TYPE_TG3,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(Tg3State),
    .class_init = t3_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void t3_register_types(void)
{
    type_register_static(&t3_info);
}

type_init(t3_register_types)
