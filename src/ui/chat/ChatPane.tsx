// The Chat pane: pick any checkpoint (trained or imported), chat with it through the chat template
// or let it continue a text, with the sampling settings at hand (ChatSettings); replies stream in
// as the infer worker generates them, and Stop ends a generation at once (Conversation). Replies
// and the user's text can be drawn token by token, coloured by how likely the model found each
// (tokenOdds.ts), and the tokens of both show what they attended to (tokenAttention.ts). Below,
// several checkpoints are compared on one text (CompareCheckpoints).

import { ModelCard } from './ChatSettings';
import { CompareCheckpoints } from './CompareCheckpoints';
import { Composer, OddsSwitch, Transcript } from './Conversation';

export function ChatPane() {
  return (
    <div className="chat-pane">
      <ModelCard />
      <section className="card">
        <h2>Conversation</h2>
        <OddsSwitch />
        <Transcript />
        <Composer />
      </section>
      <CompareCheckpoints />
    </div>
  );
}
