/* zeek_conn.c - Zeek's conn_state and history, computed the way Zeek's
 * documentation and its TCP analyzer define them (see zeek-conn-state.md in
 * the shared docs): a coarse state per endpoint (inactive, SYN sent, SYN-ACK
 * sent, partial, established, closed, reset), a history letter per kind of
 * packet with Zeek's repeat rules, and the label from the final states.
 *
 * Zeek takes the first packet's source as originator and may flip; we keep
 * our client as originator and write '^' where Zeek's flip makes its roles
 * agree with ours.
 */
#include "zeek_conn.h"

#include <string.h>

enum { Z_INACTIVE = 0, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };

/* letters logged at most once per direction */
enum { ONCE_A = 1, ONCE_D = 2, ONCE_I = 4, ONCE_Q = 8 };
/* S/H, F and R: the first is always logged, later ones when their sequence
 * number differs from the last of that kind */
enum { SEEN_SYN = 1, SEEN_FIN = 2, SEEN_RST = 4, SEEN_CAPTURE = 8 };

static void add_letter(struct ts_zeek *z, int side, char upper)
{
    if (z->hlen >= TS_ZEEK_HISTORY_MAX)
        return;
    z->hist[z->hlen++] = side == 0 || upper == '^' ? upper : (char)(upper - 'A' + 'a');
    z->hist[z->hlen] = '\0';
}

static void prepend_flip(struct ts_zeek *z)
{
    if (z->hlen >= TS_ZEEK_HISTORY_MAX)
        z->hlen--;
    memmove(z->hist + 1, z->hist, z->hlen);
    z->hist[0] = '^';
    z->hist[++z->hlen] = '\0';
}

static void once(struct ts_zeek *z, int side, uint8_t bit, char letter)
{
    if (!(z->once[side] & bit)) {
        z->once[side] |= bit;
        add_letter(z, side, letter);
    }
}

/* Kinds with a sequence number: logged the first time, and again only when
 * the sequence number moved. */
static void sequenced(struct ts_zeek *z, int side, uint8_t bit, uint32_t *last, uint32_t seq,
                      char letter)
{
    if (!(z->seen[side] & bit) || *last != seq)
        add_letter(z, side, letter);
    z->seen[side] |= bit;
    *last = seq;
}

/* G, T and W (and Zeek's C, which needs checksums we do not check): at the
 * 1st, 10th, 100th, ... occurrence. */
static void scaled(struct ts_zeek *z, int side, uint32_t *count, char letter)
{
    uint32_t n = ++*count;
    while (n % 10 == 0)
        n /= 10;
    if (n == 1)
        add_letter(z, side, letter);
}

/* Zeek's likely_server_ports depend on the analyzers it loads; these are the
 * well-known ports and the common services of its default scripts. */
static bool likely_server_port(uint16_t port)
{
    static const uint16_t common[] = {1080, 1433, 1521, 1812, 2049, 3128, 3306, 3389, 5060,
                                      5222, 5432, 5900, 6379, 6666, 6667, 6668, 6669, 8000,
                                      8080, 8443, 8888, 9200, 27017};
    if (port < 1024)
        return true;
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (common[i] == port)
            return true;
    return false;
}

void ts_zeek_init(struct ts_zeek *z, bool first_from_client, bool began_with_synack,
                  uint16_t sport, uint16_t dport)
{
    memset(z, 0, sizeof *z);
    if (first_from_client)
        return;
    bool port_flip = likely_server_port(sport) && !likely_server_port(dport);
    if (began_with_synack && !port_flip)
        z->pending_flip = 1; /* Zeek flips when the SYN-ACK is answered */
    else
        add_letter(z, 0, '^'); /* Zeek flipped at once: the source is the server */
}

/* The capture began with a SYN-ACK (Zeek: originator = its sender, 'H') and
 * now the other side sends its SYN: Zeek logs 's', flips and establishes.
 * Rewrite the history in Zeek's letters, our roles being Zeek's after it. */
static void synack_reversal(struct ts_zeek *z, uint32_t seq)
{
    for (unsigned i = 0; i < z->hlen; i++) {
        char c = z->hist[i];
        z->hist[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    add_letter(z, 1, 'S');
    add_letter(z, 0, '^');
    z->seen[0] |= SEEN_SYN;
    z->last_syn[0] = seq;
    z->pending_flip = 0;
}

static void set_state(struct ts_zeek *z, int side, uint8_t s)
{
    z->prev[side] = z->st[side];
    z->st[side] = s;
}

static void history(struct ts_zeek *z, int side, const struct ts_tcp *seg, bool rxmit)
{
    uint8_t f = seg->flags;
    bool syn = f & TS_TH_SYN, fin = f & TS_TH_FIN, rst = f & TS_TH_RST, ack = f & TS_TH_ACK;
    int bits = syn + fin + rst;

    if (z->pending_flip && side == 0 && syn && !ack && !fin && !rst) {
        synack_reversal(z, seg->seq);
        return;
    }
    if (z->pending_flip) {
        /* history exactly one SYN-ACK letter, then a pure ACK or data packet */
        if (bits == 0 && (ack || seg->payload_len) && z->hlen == 1) {
            prepend_flip(z);
            z->pending_flip = 0;
        } else if (bits != 0 || z->hlen != 1) {
            if (!(syn && ack))
                z->pending_flip = 0;
        }
    }

    if (bits > 1) {
        if (fin && rst)
            once(z, side, ONCE_I, 'I');
        else
            once(z, side, ONCE_Q, 'Q');
    } else if (syn) {
        sequenced(z, side, SEEN_SYN, &z->last_syn[side], seg->seq, ack ? 'H' : 'S');
    } else if (fin) {
        sequenced(z, side, SEEN_FIN, &z->last_fin[side], seg->seq + seg->payload_len, 'F');
    } else if (rst) {
        sequenced(z, side, SEEN_RST, &z->last_rst[side], seg->seq, 'R');
    } else if (seg->payload_len) {
        once(z, side, ONCE_D, 'D');
    } else if (ack) {
        once(z, side, ONCE_A, 'A');
    }

    /* zero window, unless with a RST, after our RST or after the peer's FIN */
    if (seg->win == 0 && !rst && z->st[1 - side] != Z_CLOSED && z->st[side] != Z_RESET)
        scaled(z, side, &z->zero_win[side], 'W');
    if (rxmit && z->st[side] != Z_RESET)
        scaled(z, side, &z->rxmit[side], 'T');
}

/* Zeek's endpoint state machine (TCPSessionAdapter's Update*State). */
static void state(struct ts_zeek *z, int side, const struct ts_tcp *seg)
{
    uint8_t f = seg->flags;
    bool syn = f & TS_TH_SYN, fin = f & TS_TH_FIN, rst = f & TS_TH_RST, ack = f & TS_TH_ACK;
    int peer = 1 - side;
    bool is_orig = side == 0;

    switch (z->st[side]) {
    case Z_INACTIVE:
        if (syn) {
            if (is_orig) {
                set_state(z, side, ack ? Z_SYN_ACK_SENT : Z_SYN_SENT);
            } else {
                if (z->st[peer] == Z_SYN_SENT)
                    set_state(z, peer, Z_ESTABLISHED);
                set_state(z, side, Z_ESTABLISHED);
            }
        }
        if (fin)
            set_state(z, side, Z_CLOSED);
        if (rst)
            set_state(z, side, Z_RESET);
        if (z->st[side] == Z_INACTIVE) {
            if (!is_orig && seg->payload_len == 0 && z->st[0] == Z_SYN_SENT)
                ; /* an ACK of the SYN before the SYN-ACK: not a partial connection */
            else if (ack && z->st[peer] == Z_ESTABLISHED)
                set_state(z, side, Z_ESTABLISHED); /* the SYN was missed, not partial */
            else
                set_state(z, side, Z_PARTIAL);
        }
        break;
    case Z_SYN_SENT:
    case Z_SYN_ACK_SENT:
        if (fin)
            set_state(z, side, Z_CLOSED);
        if (rst)
            set_state(z, side, Z_RESET);
        break;
    case Z_PARTIAL:
    case Z_ESTABLISHED:
        if (syn && z->st[side] == Z_PARTIAL && z->st[peer] == Z_INACTIVE && !ack)
            set_state(z, side, Z_SYN_SENT);
        if (fin && !rst) {
            set_state(z, side, Z_CLOSED);
            /* the peer's FIN then RST was a normal close after all */
            if (z->st[peer] == Z_RESET && z->prev[peer] == Z_CLOSED)
                set_state(z, peer, Z_CLOSED);
        }
        if (rst)
            set_state(z, side, Z_RESET);
        break;
    case Z_CLOSED:
        /* a RST after both FINs changes nothing */
        if (rst && z->st[peer] != Z_CLOSED)
            set_state(z, side, Z_RESET);
        break;
    default:
        break;
    }
}

static bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

/* Content gaps, as Zeek's reassembly finds them: each side's bytes captured
 * whole and without a hole end at cap_nxt; an ACK from the other side past
 * that point acknowledges bytes the capture never held (snaplen, or lost
 * before the capture point). Zeek does not judge this on FIN or RST. */
static void content(struct ts_zeek *z, int side, const struct ts_tcp *seg)
{
    uint8_t f = seg->flags;
    uint32_t start = seg->seq + !!(f & TS_TH_SYN);
    if (!(f & TS_TH_RST)) {
        if (!(z->seen[side] & SEEN_CAPTURE)) {
            z->seen[side] |= SEEN_CAPTURE;
            z->cap_nxt[side] = start;
        }
        uint32_t end = start + seg->payload_len + !!(f & TS_TH_FIN);
        if (seg->payload_caplen == seg->payload_len && seq_leq(start, z->cap_nxt[side]) &&
            seq_gt(end, z->cap_nxt[side]))
            z->cap_nxt[side] = end;
    }
    int peer = 1 - side;
    if ((f & (TS_TH_ACK | TS_TH_SYN | TS_TH_FIN | TS_TH_RST)) == TS_TH_ACK &&
        (z->seen[peer] & SEEN_CAPTURE) && seq_gt(seg->ack, z->cap_nxt[peer])) {
        scaled(z, peer, &z->gaps[peer], 'G');
        z->cap_nxt[peer] = seg->ack;
    }
}

void ts_zeek_packet(struct ts_zeek *z, int side, const struct ts_tcp *seg, bool rxmit)
{
    history(z, side, seg, rxmit);
    state(z, side, seg);
    content(z, side, seg);
}

/* Zeek's RSTOS0 pattern ^?S[^HAFGIQ]*R.* over the whole history: an
 * originator SYN, then no handshake or data letters, then an originator RST. */
static bool rstos0_history(const char *h)
{
    if (*h == '^')
        h++;
    if (*h++ != 'S')
        return false;
    for (; *h && *h != 'R'; h++)
        if (strchr("HAFGIQ", *h))
            return false;
    return *h == 'R';
}

enum { C_S0, C_S1, C_SF, C_REJ, C_S2, C_S3, C_RSTO, C_RSTR, C_RSTOS0, C_RSTRH, C_SH, C_SHR, C_OTH };

const char *ts_zeek_state_name(int i)
{
    static const char *const names[TS_ZEEK_STATE_COUNT] = {
        "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"};
    return i >= 0 && i < TS_ZEEK_STATE_COUNT ? names[i] : "OTH";
}

/* Zeek's conn_state() in scripts/base/protocols/conn/main.zeek, in its order. */
int ts_zeek_conn_state(const struct ts_zeek *z, uint64_t client_bytes, uint64_t server_bytes)
{
    uint8_t os = z->st[0], rs = z->st[1];
    bool o_inactive = os == Z_INACTIVE || os == Z_PARTIAL;
    bool r_inactive = rs == Z_INACTIVE || rs == Z_PARTIAL;

    if (rs == Z_RESET) {
        if (os == Z_SYN_SENT || os == Z_SYN_ACK_SENT ||
            (os == Z_RESET && client_bytes == 0 && server_bytes == 0))
            return C_REJ;
        return o_inactive ? C_RSTRH : C_RSTR;
    }
    if (os == Z_RESET) {
        if (r_inactive)
            return rstos0_history(z->hist) ? C_RSTOS0 : C_OTH;
        return C_RSTO;
    }
    if (os == Z_CLOSED && rs == Z_CLOSED)
        return C_SF;
    if (os == Z_CLOSED)
        return r_inactive ? C_SH : C_S2;
    if (rs == Z_CLOSED)
        return o_inactive ? C_SHR : C_S3;
    if (os == Z_SYN_SENT && rs == Z_INACTIVE)
        return C_S0;
    if (os == Z_ESTABLISHED && rs == Z_ESTABLISHED)
        return C_S1;
    return C_OTH;
}
